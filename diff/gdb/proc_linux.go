package gdb

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the child die with this process (PR_SET_PDEATHSIG),
// so that a QEMU started for a comparison never outlives vcheck, however
// vcheck ends.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
