// `npm run lint`: typescript-eslint's type-checked rules over the whole program, its tests and scripts. The
// type-aware rules are the point: a floating promise or a misused one in a Pulumi program is a resource registered
// after the program returned, or an error nobody sees.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "plan-out/", "bench-out/", "coverage/", ".tools/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An async function without an await is how a gRPC handler or a test callback says it returns a promise.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The policy rules, the access matrix and the review of a change read provider inputs, which are untyped JSON as @pulumi/policy hands
    // them over (`props: any`): each rule checks the value of every field it reads, and its tests feed it the wrong
    // shapes. Tests read plan documents and resource inputs the same way.
    files: ["policies/**/*.ts", "access/**/*.ts", "review/**/*.ts", "test/**/*.ts", "**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // The language-host harness and the policy tests hand methods to gRPC and assert on rule objects, calling each
    // with its receiver where it needs one.
    files: ["test/**/*.ts", "**/*.test.ts"],
    rules: { "@typescript-eslint/unbound-method": "off" },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
);
