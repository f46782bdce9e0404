package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for vcheck when bench starts it
// as a child process (runProcessBench): with benchChildEnv set it runs
// the command line instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) != "" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
