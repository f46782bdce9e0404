package devices

import "io"

// UART is the 16550A of QEMU 7.2's serial.c (serial_mm, regshift 0):
// its registers, a 16-byte receive FIFO with trigger levels, overrun,
// the character timeout, loopback and the IIR priorities. Transmission is
// instant (serial_xmit runs inside the THR write), so THR is always empty
// again when the store completes.
//
// Reception is paced by the machine's time base: at every timer tick (the
// retired instruction after which the user's retired count, the CLINT's
// Clock, is a multiple of TimebaseDiv, i.e. where mtime advances) the
// receive line delivers what QEMU's serial_can_receive would accept, and
// a FIFO with bytes and nothing new arriving raises the character timeout
// (Tick). Register accesses never read the input.
//
// The interrupt output goes to the irq callback NewUART was given,
// called with the level after every register access and every tick that
// changed IIR, as QEMU calls serial_update_irq (on virt: PLIC source 10).
type UART struct {
	irq    func(level bool) // the interrupt output's wire
	in     io.Reader
	out    io.Writer
	inDone bool // the reader returned an error (io.EOF included): no more input

	ier, lcr, mcr, scr uint8
	lsr, msr           uint8
	iir                uint8 // as serial_update_irq last set it
	fcr                uint8 // the sticky bits: trigger level, DMA mode, enable
	dll, dlm           uint8
	rbr                uint8 // the holding register while the FIFOs are off

	rxBuf      [uartFIFOSize]byte // a ring: rxLen bytes from rxHead
	rxHead     int
	rxLen      int
	rxLevel    int  // trigger level: 1, 4, 8 or 14
	thrPending bool // THR-empty interrupt armed (thr_ipending)
	ctiPending bool // character timeout raised (timeout_ipending)

	rxByte [1]byte // Read's buffer

	// ticking is Ticking's answer, kept current by every method that
	// changes what it depends on: the user asks before and after every run
	// of instructions.
	ticking bool
}

const uartFIFOSize = 16

// The register bits the UART uses (16550 datasheet).
const (
	ierRx     = 0x01 // received data available (and the timeout)
	ierTx     = 0x02 // THR empty
	ierLine   = 0x04 // receiver line status
	ierModem  = 0x08 // modem status
	lsrReady  = 0x01 // DR
	lsrOver   = 0x02 // OE
	lsrBreak  = 0x10 // BI
	lsrErrors = 0x1e // OE, PE, FE, BI
	lsrTxIdle = 0x60 // THRE | TEMT
	lsrTHRE   = 0x20
	fcrEnable = 0x01
	fcrRxRst  = 0x02
	fcrTxRst  = 0x04
	mcrLoop   = 0x10
	lcrDLAB   = 0x80
)

// NewUART returns the UART at QEMU's serial_reset: divisor 12, MCR =
// OUT2, LSR = THRE|TEMT, MSR = DCD|DSR|CTS, IIR = no interrupt, FIFOs off;
// no console. irq receives its interrupt output (nil: not wired).
func NewUART(irq func(level bool)) *UART {
	if irq == nil {
		irq = func(bool) {}
	}
	u := &UART{irq: irq}
	u.dll, u.mcr = 0x0c, 0x08
	u.lsr, u.msr, u.iir = lsrTxIdle, 0xb0, 0x01
	u.rxLevel = 1
	return u
}

// SetConsole connects the serial line: in feeds the receiver and out
// takes what the guest transmits; either may be nil. The receiver reads
// in at timer ticks (Tick), as many bytes as it has room for, one Read of
// one byte at a time; a Read of (0, nil) means nothing has arrived yet,
// and any error (io.EOF included) ends the input. So in should not block.
func (u *UART) SetConsole(in io.Reader, out io.Writer) {
	u.in = in
	u.inDone = false
	u.out = out
	u.update()
}

func (u *UART) fifoOn() bool { return u.fcr&fcrEnable != 0 }

// recalc is serial_update_irq: IIR from the highest-priority condition
// (line status, character timeout, received data, THR empty, modem status).
func (u *UART) recalc() {
	var id uint8
	switch {
	case u.ier&ierLine != 0 && u.lsr&lsrErrors != 0:
		id = 0x06
	case u.ier&ierRx != 0 && u.ctiPending:
		id = 0x0c
	case u.ier&ierRx != 0 && u.lsr&lsrReady != 0 && (!u.fifoOn() || u.rxLen >= u.rxLevel):
		id = 0x04
	case u.ier&ierTx != 0 && u.thrPending:
		id = 0x02
	case u.ier&ierModem != 0 && u.msr&0x0f != 0:
		id = 0x00
	default:
		id = 0x01
	}
	u.iir = u.iir&0xf0 | id
}

// level is the interrupt output: high while IIR names an interrupt.
func (u *UART) level() bool { return u.iir&0x01 == 0 }

// accepts is how many bytes the line may deliver now (serial_can_receive):
// with the FIFOs on, enough to reach the trigger level, or one byte past
// it, none when full; with them off, one byte when RBR is empty.
func (u *UART) accepts() int {
	if !u.fifoOn() {
		if u.lsr&lsrReady != 0 {
			return 0
		}
		return 1
	}
	switch {
	case u.rxLen == uartFIFOSize:
		return 0
	case u.rxLen > u.rxLevel:
		return 1
	}
	return u.rxLevel - u.rxLen
}

// push is serial_receive1 for one byte: into the FIFO (a full FIFO keeps
// its bytes and flags an overrun) or into RBR (overrun if unread).
func (u *UART) push(b uint8) {
	if u.fifoOn() {
		if u.rxLen < uartFIFOSize {
			u.rxBuf[(u.rxHead+u.rxLen)%uartFIFOSize] = b
			u.rxLen++
		} else {
			u.lsr |= lsrOver
		}
	} else {
		if u.lsr&lsrReady != 0 {
			u.lsr |= lsrOver
		}
		u.rbr = b
	}
	u.lsr |= lsrReady
}

func (u *UART) pop() uint8 {
	if u.rxLen == 0 {
		return 0
	}
	b := u.rxBuf[u.rxHead]
	u.rxHead = (u.rxHead + 1) % uartFIFOSize
	u.rxLen--
	return b
}

// Ticking reports whether a timer tick can change the UART: input may
// still come, or the FIFO holds bytes the character timeout has not yet
// reported. While it is false a user need not stop at ticks.
func (u *UART) Ticking() bool { return u.ticking }

// update recomputes ticking; the exported methods call it last.
func (u *UART) update() {
	u.ticking = u.in != nil && !u.inDone || u.fifoOn() && u.rxLen > 0 && !u.ctiPending
}

// Tick is one timer tick of the receive line: it delivers what the line
// holds and the receiver accepts, or raises the character timeout, and
// then drives the interrupt output if IIR changed. The user calls it
// right after the instruction that ends on a tick (CLINT.OnTick), at
// every tick while Ticking.
func (u *UART) Tick() {
	if u.tick() {
		u.irq(u.level())
	}
	u.update()
}

// tick is Tick without the interrupt output; it reports whether IIR was
// recomputed (the interrupt line may have changed).
func (u *UART) tick() bool {
	got := false
	if u.mcr&mcrLoop == 0 && u.in != nil && !u.inDone {
		one := u.rxByte[:] // a field: a local would escape to the heap through Read at every tick
		for want := u.accepts(); want > 0; want-- {
			n, err := u.in.Read(one)
			if n == 1 {
				u.push(one[0])
				got = true
			}
			if err != nil {
				u.inDone = true
				break
			}
			if n != 1 {
				break // nothing on the line at this tick
			}
		}
	}
	timeout := !got && u.fifoOn() && u.rxLen > 0 && !u.ctiPending
	if timeout {
		u.ctiPending = true
	}
	if got || timeout {
		u.recalc()
		return true
	}
	return false
}

// xmit is serial_xmit: the byte leaves at once (into the receiver in
// loopback), THR is empty again and the THRE interrupt armed.
func (u *UART) xmit(b uint8) {
	if u.mcr&mcrLoop != 0 {
		u.push(b)
	} else if u.out != nil {
		u.out.Write([]byte{b})
	}
	u.lsr |= lsrTxIdle
	u.thrPending = true
	u.recalc()
}

// Load reads the register at offset off (0 to 7): QEMU's serial_mm_read,
// where an access of any width reads the one byte register at its
// offset. It then drives the interrupt output.
func (u *UART) Load(off uint64) uint64 {
	v := u.read(off)
	u.irq(u.level())
	u.update()
	return v
}

// Store writes v to the register at offset off (0 to 7): QEMU's
// serial_mm_write, the low byte of an access of any width. It then drives
// the interrupt output.
func (u *UART) Store(off uint64, v uint8) {
	u.write(off, v)
	u.irq(u.level())
	u.update()
}

func (u *UART) read(off uint64) uint64 {
	dlab := u.lcr&lcrDLAB != 0
	switch off {
	case 0:
		if dlab {
			return uint64(u.dll)
		}
		var b uint8
		if u.fifoOn() {
			b = u.pop()
			if u.rxLen == 0 {
				u.lsr &^= lsrReady | lsrBreak
			}
			u.ctiPending = false
		} else {
			b = u.rbr
			u.lsr &^= lsrReady | lsrBreak
		}
		u.recalc()
		return uint64(b)
	case 1:
		if dlab {
			return uint64(u.dlm)
		}
		return uint64(u.ier)
	case 2:
		v := u.iir
		if v&0x0f == 0x02 { // reading IIR that shows THRI acknowledges it
			u.thrPending = false
			u.recalc()
		}
		return uint64(v)
	case 3:
		return uint64(u.lcr)
	case 4:
		return uint64(u.mcr)
	case 5:
		v := u.lsr
		if v&(lsrOver|lsrBreak) != 0 {
			u.lsr &^= lsrOver | lsrBreak
			u.recalc()
		}
		return uint64(v)
	case 6:
		if u.mcr&mcrLoop != 0 {
			// The modem outputs loop back: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
			mc := u.mcr
			return uint64(mc&0x01<<5 | mc&0x02<<3 | mc&0x0c<<4)
		}
		v := u.msr
		if v&0x0f != 0 {
			u.msr &= 0xf0
			u.recalc()
		}
		return uint64(v)
	case 7:
		return uint64(u.scr)
	}
	return 0
}

func (u *UART) write(off uint64, v uint8) {
	dlab := u.lcr&lcrDLAB != 0
	switch off {
	case 0:
		if dlab {
			u.dll = v
			return
		}
		u.thrPending = false
		u.lsr &^= lsrTxIdle
		u.xmit(v)
	case 1:
		if dlab {
			u.dlm = v
			return
		}
		old := u.ier
		u.ier = v & 0x0f
		if (old^u.ier)&ierTx != 0 {
			// Turning THRI on re-arms it when THR is empty (QEMU, after Bochs).
			u.thrPending = u.ier&ierTx != 0 && u.lsr&lsrTHRE != 0
		}
		if old != u.ier {
			u.recalc()
		}
	case 2: // FCR
		if (v^u.fcr)&fcrEnable != 0 {
			v |= fcrRxRst | fcrTxRst // switching the FIFOs on or off flushes them
		}
		if v&fcrRxRst != 0 {
			u.rxHead, u.rxLen = 0, 0
			u.lsr &^= lsrReady | lsrBreak
			u.ctiPending = false
		}
		if v&fcrTxRst != 0 {
			u.lsr |= lsrTHRE
			u.thrPending = true
		}
		u.fcr = v & 0xc9
		if u.fifoOn() {
			u.iir |= 0xc0
			u.rxLevel = [...]int{1, 4, 8, 14}[v>>6]
		} else {
			u.iir &^= 0xc0
		}
		u.recalc()
	case 3:
		u.lcr = v
	case 4:
		u.mcr = v & 0x1f
	case 7:
		u.scr = v
	}
}
