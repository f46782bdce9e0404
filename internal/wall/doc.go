// Package wall holds the test that keeps the architecture's walls
// (ARCHITECTURE.md §3): impl/... and refmodel/... never import each
// other, directly or through anything else, and spec/... imports only the
// standard library and spec/... itself. It has no code of its own; run
// `go test ./internal/wall`.
package wall
