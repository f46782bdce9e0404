package devices

import (
	"io"

	"github.com/vcheck-dev/vcheck/spec"
)

// UART is the 16550A of QEMU virt (hw/char/serial.c through serial_mm with
// regshift 0, at spec.UARTBase, interrupt on PLIC source spec.UARTIRQ).
// Its register file, by offset (16550 datasheet; DLAB is LCR bit 7):
//
//	off  read                  write
//	0    RBR (DLAB=0) / DLL    THR (DLAB=0) / DLL
//	1    IER (DLAB=0) / DLM    IER (DLAB=0) / DLM
//	2    IIR                   FCR
//	3    LCR                   LCR
//	4    MCR                   MCR
//	5    LSR                   (ignored)
//	6    MSR                   (ignored)
//	7    SCR                   SCR
//
// Accesses: the window is 8 bytes (QEMU maps 8 << regshift); the memory
// map's other 0xf8 bytes answer nothing. Any size 1, 2, 4 or 8, aligned to
// its size, reaches the one register at its offset: a load returns that
// register's byte zero-extended and a store writes the value's low byte
// (serial_mm_ops: valid/impl max_access_size 8, value &= 255, size 1 to
// the register file). A misaligned load reads two registers and combines
// them; a misaligned store writes byte by byte (see the package comment).
//
// Transmission is instant, as in QEMU 7.2 (serial_xmit runs inside the THR
// write): each byte written to THR goes to the output writer at once, or,
// in loopback (MCR bit 4), into the receiver.
//
// Reception is deterministic: the input reader is a line whose bytes are
// all there from the start. At each TimerTick (a timer tick: where mtime
// advances, once per TimebaseDiv retired instructions), while not in
// loopback, the receiver takes as many bytes as QEMU's serial_can_receive
// would accept, reading the reader one byte at a time; io.EOF or any error
// ends the input for good. The receive-timeout interrupt (16550 "character
// timeout", QEMU's fifo_timeout_timer) fires at the first TimerTick at
// which the FIFO holds bytes and no new byte arrived: one tick of silence.
// A reader that blocks blocks the machine; for interactive use give one
// that returns (0, nil) when it has nothing, and accept that the trace
// then depends on timing.
type UART struct {
	in  io.Reader // nil once the input has ended
	out io.Writer
	irq IRQLine

	rbr     byte   // receive buffer, when the FIFOs are off
	ier     byte   // low 4 bits
	iir     byte   // as last computed by update
	fcr     byte   // the bits that stick: 0xc9
	lcr     byte   //
	mcr     byte   // low 5 bits
	lsr     byte   //
	msr     byte   //
	scr     byte   //
	divisor uint16 // DLM:DLL

	rxFIFO    []byte // at most uartFIFOLen bytes
	rxTrigger int    // FCR receive trigger level: 1, 4, 8 or 14

	thrIPending     bool // THRE interrupt armed (QEMU thr_ipending)
	timeoutIPending bool // character timeout (QEMU timeout_ipending)
}

// 16550 register offsets.
const (
	uartRBR = 0 // THR on write; DLL when DLAB
	uartIER = 1 // DLM when DLAB
	uartIIR = 2 // FCR on write
	uartLCR = 3
	uartMCR = 4
	uartLSR = 5
	uartMSR = 6
	uartSCR = 7

	uartWindow  = 8  // 8 << regshift
	uartFIFOLen = 16 // UART_FIFO_LENGTH
)

// Register bits (16550 datasheet; names as in QEMU serial.c).
const (
	lcrDLAB = 0x80

	ierRDI  = 0x01 // received data available
	ierTHRI = 0x02 // THR empty
	ierRLSI = 0x04 // receiver line status
	ierMSI  = 0x08 // modem status

	iirNoInt = 0x01
	iirID    = 0x06
	iirMSI   = 0x00
	iirTHRI  = 0x02
	iirRDI   = 0x04
	iirRLSI  = 0x06
	iirCTI   = 0x0c // character timeout
	iirFE    = 0xc0 // FIFOs enabled

	fcrFE  = 0x01 // FIFO enable
	fcrRFR = 0x02 // receiver FIFO reset
	fcrXFR = 0x04 // transmitter FIFO reset
	fcrITL = 0xc0 // receiver trigger level

	mcrDTR  = 0x01
	mcrRTS  = 0x02
	mcrOUT1 = 0x04
	mcrOUT2 = 0x08
	mcrLOOP = 0x10

	lsrDR     = 0x01
	lsrOE     = 0x02
	lsrBI     = 0x10
	lsrIntAny = 0x1e // OE, PE, FE, BI: the line-status interrupt sources
	lsrTHRE   = 0x20
	lsrTEMT   = 0x40

	msrDCD      = 0x80
	msrDSR      = 0x20
	msrCTS      = 0x10
	msrAnyDelta = 0x0f
)

// NewUART returns the UART in its reset state (QEMU serial_reset): IER 0,
// IIR 0x01, LCR 0, MCR 0x08 (OUT2), LSR 0x60 (THRE, TEMT), MSR 0xb0 (DCD,
// DSR, CTS), divisor 12, SCR 0, FIFOs off. Input comes from in (nil: no
// input) and output goes to out (nil: discarded). Connect its interrupt
// with SetIRQ.
func NewUART(in io.Reader, out io.Writer) *UART {
	if out == nil {
		out = io.Discard
	}
	return &UART{
		in: in, out: out,
		iir: iirNoInt, lsr: lsrTHRE | lsrTEMT, msr: msrDCD | msrDSR | msrCTS,
		mcr: mcrOUT2, divisor: 12, rxTrigger: 1,
	}
}

// SetIRQ connects the UART's interrupt output (on QEMU virt, PLIC source
// spec.UARTIRQ: plic.Line(spec.UARTIRQ)) and drives it with the current
// level.
func (u *UART) SetIRQ(line IRQLine) {
	u.irq = line
	u.update()
}

// Name implements Device.
func (u *UART) Name() string { return "uart" }

// Base implements Device.
func (u *UART) Base() uint64 { return spec.UARTBase }

// Size implements Device: the 8 registers QEMU maps.
func (u *UART) Size() uint64 { return uartWindow }

// update recomputes IIR from the interrupt conditions, in the 16550's
// priority order, and drives the interrupt line (QEMU serial_update_irq).
func (u *UART) update() {
	id := byte(iirNoInt)
	switch {
	case u.ier&ierRLSI != 0 && u.lsr&lsrIntAny != 0:
		id = iirRLSI
	case u.ier&ierRDI != 0 && u.timeoutIPending:
		id = iirCTI
	case u.ier&ierRDI != 0 && u.lsr&lsrDR != 0 && (u.fcr&fcrFE == 0 || len(u.rxFIFO) >= u.rxTrigger):
		id = iirRDI
	case u.ier&ierTHRI != 0 && u.thrIPending:
		id = iirTHRI
	case u.ier&ierMSI != 0 && u.msr&msrAnyDelta != 0:
		id = iirMSI
	}
	u.iir = id | u.iir&0xf0
	if u.irq != nil {
		u.irq(id != iirNoInt)
	}
}

// canReceive is how many bytes the receiver accepts now (QEMU
// serial_can_receive): with FIFOs, up to the trigger level (1 once past
// it, 0 when full); without, one byte when RBR is empty.
func (u *UART) canReceive() int {
	if u.fcr&fcrFE != 0 {
		n := len(u.rxFIFO)
		switch {
		case n >= uartFIFOLen:
			return 0
		case n <= u.rxTrigger:
			return u.rxTrigger - n
		default:
			return 1
		}
	}
	if u.lsr&lsrDR != 0 {
		return 0
	}
	return 1
}

// receive puts one byte into the receiver (QEMU serial_receive1).
func (u *UART) receive(b byte) {
	if u.fcr&fcrFE != 0 {
		if len(u.rxFIFO) < uartFIFOLen {
			u.rxFIFO = append(u.rxFIFO, b)
		} else {
			u.lsr |= lsrOE // overruns do not overwrite the FIFO
		}
	} else {
		if u.lsr&lsrDR != 0 {
			u.lsr |= lsrOE
		}
		u.rbr = b
	}
	u.lsr |= lsrDR
}

// TimerTick implements TimerTicker: the receive line delivers input, and
// an idle line with bytes waiting in the FIFO raises the character
// timeout.
func (u *UART) TimerTick() {
	arrived := false
	if u.mcr&mcrLOOP == 0 && u.in != nil {
		for n := u.canReceive(); n > 0; n-- {
			var b [1]byte
			got, err := u.in.Read(b[:])
			if got == 1 {
				u.receive(b[0])
				arrived = true
			}
			if err != nil {
				u.in = nil // io.EOF or a failure: the line is closed
				break
			}
			if got == 0 {
				break // nothing now
			}
		}
	}
	timeout := u.fcr&fcrFE != 0 && len(u.rxFIFO) > 0 && !arrived && !u.timeoutIPending
	if timeout {
		u.timeoutIPending = true
	}
	if arrived || timeout {
		u.update()
	}
}

// transmit sends THR (QEMU serial_xmit): to the receiver in loopback, to
// the output otherwise. A failing writer loses the byte.
func (u *UART) transmit(b byte) {
	u.lsr |= lsrTHRE | lsrTEMT
	u.thrIPending = true
	if u.mcr&mcrLOOP != 0 {
		u.receive(b)
	} else {
		_, _ = u.out.Write([]byte{b})
	}
	u.update()
}

func uartAccessOK(offset uint64, size int) bool {
	return naturallyAligned(offset, size) && offset < uartWindow
}

// Load implements Device.
func (u *UART) Load(offset uint64, size int) (uint64, bool) {
	return splitLoad(u.loadAligned, offset, size)
}

// loadAligned is Load for a naturally aligned access.
func (u *UART) loadAligned(offset uint64, size int) (uint64, bool) {
	if !uartAccessOK(offset, size) {
		return 0, false
	}
	return uint64(u.readReg(offset)), true
}

// Store implements Device.
func (u *UART) Store(offset uint64, size int, value uint64) bool {
	return splitStore(u.storeAligned, offset, size, value)
}

// storeAligned is Store for a naturally aligned access.
func (u *UART) storeAligned(offset uint64, size int, value uint64) bool {
	if !uartAccessOK(offset, size) {
		return false
	}
	u.writeReg(offset, byte(value))
	return true
}

// readReg is QEMU's serial_ioport_read.
func (u *UART) readReg(reg uint64) byte {
	switch reg {
	case uartRBR:
		if u.lcr&lcrDLAB != 0 {
			return byte(u.divisor)
		}
		var b byte
		if u.fcr&fcrFE != 0 {
			if len(u.rxFIFO) > 0 {
				b = u.rxFIFO[0]
				u.rxFIFO = u.rxFIFO[1:]
			}
			if len(u.rxFIFO) == 0 {
				u.lsr &^= lsrDR | lsrBI
			}
			u.timeoutIPending = false
		} else {
			b = u.rbr
			u.lsr &^= lsrDR | lsrBI
		}
		u.update()
		return b
	case uartIER:
		if u.lcr&lcrDLAB != 0 {
			return byte(u.divisor >> 8)
		}
		return u.ier
	case uartIIR:
		b := u.iir
		if b&iirID == iirTHRI { // reading IIR acknowledges a THRE interrupt
			u.thrIPending = false
			u.update()
		}
		return b
	case uartLCR:
		return u.lcr
	case uartMCR:
		return u.mcr
	case uartLSR:
		b := u.lsr
		if u.lsr&(lsrBI|lsrOE) != 0 { // reading LSR clears break and overrun
			u.lsr &^= lsrBI | lsrOE
			u.update()
		}
		return b
	case uartMSR:
		if u.mcr&mcrLOOP != 0 {
			// Loopback wires the modem outputs to the inputs:
			// OUT2->DCD, OUT1->RI, RTS->CTS, DTR->DSR.
			return (u.mcr&(mcrOUT1|mcrOUT2))<<4 | (u.mcr&mcrRTS)<<3 | (u.mcr&mcrDTR)<<5
		}
		b := u.msr
		if u.msr&msrAnyDelta != 0 {
			u.msr &= 0xf0
			u.update()
		}
		return b
	default: // uartSCR
		return u.scr
	}
}

// writeReg is QEMU's serial_ioport_write.
func (u *UART) writeReg(reg uint64, v byte) {
	switch reg {
	case uartRBR:
		if u.lcr&lcrDLAB != 0 {
			u.divisor = u.divisor&0xff00 | uint16(v)
			return
		}
		u.thrIPending = false
		u.lsr &^= lsrTHRE | lsrTEMT
		u.transmit(v)
	case uartIER:
		if u.lcr&lcrDLAB != 0 {
			u.divisor = u.divisor&0x00ff | uint16(v)<<8
			return
		}
		changed := (u.ier ^ v) & 0x0f
		u.ier = v & 0x0f
		// Turning THRI on re-arms the THRE interrupt if THR is empty (QEMU
		// does so because Windows relies on it; so does Bochs).
		if changed&ierTHRI != 0 {
			u.thrIPending = u.ier&ierTHRI != 0 && u.lsr&lsrTHRE != 0
		}
		if changed != 0 {
			u.update()
		}
	case uartIIR: // FCR
		if (v^u.fcr)&fcrFE != 0 { // toggling the FIFOs flushes them
			v |= fcrXFR | fcrRFR
		}
		if v&fcrRFR != 0 {
			u.lsr &^= lsrDR | lsrBI
			u.timeoutIPending = false
			u.rxFIFO = u.rxFIFO[:0]
		}
		if v&fcrXFR != 0 {
			u.lsr |= lsrTHRE
			u.thrIPending = true
		}
		u.fcr = v & (fcrITL | 0x08 | fcrFE) // 0xc9: ITL, DMA mode, enable
		if u.fcr&fcrFE != 0 {
			u.iir |= iirFE
			u.rxTrigger = [4]int{1, 4, 8, 14}[u.fcr>>6]
		} else {
			u.iir &^= iirFE
		}
		u.update()
	case uartLCR:
		u.lcr = v
	case uartMCR:
		u.mcr = v & 0x1f
	case uartLSR, uartMSR:
		// read-only
	default: // uartSCR
		u.scr = v
	}
}
