//go:build tools

// Package fluxcrds names every API version of the two Flux controllers the gitops and bootstrap stacks use, so that
// go.mod keeps them pinned and go.sum covers what controller-gen loads. It is never compiled.
package fluxcrds

import (
	_ "github.com/fluxcd/kustomize-controller/api/v1"
	_ "github.com/fluxcd/kustomize-controller/api/v1beta1"
	_ "github.com/fluxcd/kustomize-controller/api/v1beta2"
	_ "github.com/fluxcd/source-controller/api/v1"
	_ "github.com/fluxcd/source-controller/api/v1beta1"
	_ "github.com/fluxcd/source-controller/api/v1beta2"
)
