package gdb

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the child die with this process (PR_SET_PDEATHSIG),
// so that a QEMU started for a comparison never outlives vcheck, however
// vcheck ends; and puts it in a process group of its own, so that a
// Ctrl-C at the terminal reaches vcheck alone, which reports what it
// compared and then stops QEMU itself.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
