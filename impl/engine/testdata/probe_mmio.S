# probe_mmio.S: what each device does with loads and stores of every
# width (QEMU's MemoryRegionOps valid sizes decide: an invalid size is an
# access fault). Generated once from probe.S's helpers; compared with QEMU.
#define UART 0x10000000
#define PROBE(n) la s11, 9f; li s9, -1; li s10, -1;
#define REPORT(n) 9: li a0, n; call putnum; mv a0, s9; call puthex; mv a0, s10; call puthex; call newline
.section .text.init
.globl _start
_start:
	la t0, handler
	csrw mtvec, t0
	la sp, stack_top
	# 156: unmapped, misaligned ld: QEMU tries the aligned ld below it first
	li a1, 0x801
	PROBE(156) ld a2, 0(a1)
	REPORT(156)
	# 157: unmapped, misaligned lw
	li a1, 0x806
	PROBE(157) lw a2, 0(a1)
	REPORT(157)
	# 158: the UART's MCR at reset (value)
	li a1, 0x10000004
	PROBE(158) lbu s9, 0(a1)
	REPORT(158)
	# 159: every UART register at reset (values), LCR..MSR via misaligned lw
	li a1, 0x10000003
	PROBE(159) lwu s9, 0(a1)
	REPORT(159)
	# 1: finisher lb
	li a1, 0x100000
	PROBE(1) lb a2, 0(a1)
	REPORT(1)
	# 2: finisher lh
	li a1, 0x100000
	PROBE(2) lh a2, 0(a1)
	REPORT(2)
	# 3: finisher lw
	li a1, 0x100000
	PROBE(3) lw a2, 0(a1)
	REPORT(3)
	# 4: finisher ld
	li a1, 0x100000
	PROBE(4) ld a2, 0(a1)
	REPORT(4)
	# 5: finisher lbu
	li a1, 0x100000
	PROBE(5) lbu a2, 0(a1)
	REPORT(5)
	# 6: finisher sb
	li a1, 0x100000
	li a2, 0
	PROBE(6) sb a2, 0(a1)
	REPORT(6)
	# 7: finisher sh
	li a1, 0x100000
	li a2, 0
	PROBE(7) sh a2, 0(a1)
	REPORT(7)
	# 8: clint msip lb
	li a1, 0x2000000
	PROBE(8) lb a2, 0(a1)
	REPORT(8)
	# 9: clint msip lh
	li a1, 0x2000000
	PROBE(9) lh a2, 0(a1)
	REPORT(9)
	# 10: clint msip lw
	li a1, 0x2000000
	PROBE(10) lw a2, 0(a1)
	REPORT(10)
	# 11: clint msip ld
	li a1, 0x2000000
	PROBE(11) ld a2, 0(a1)
	REPORT(11)
	# 12: clint msip lbu
	li a1, 0x2000000
	PROBE(12) lbu a2, 0(a1)
	REPORT(12)
	# 13: clint msip sb
	li a1, 0x2000000
	li a2, 0
	PROBE(13) sb a2, 0(a1)
	REPORT(13)
	# 14: clint msip sh
	li a1, 0x2000000
	li a2, 0
	PROBE(14) sh a2, 0(a1)
	REPORT(14)
	# 15: clint msip sw
	li a1, 0x2000000
	li a2, 0
	PROBE(15) sw a2, 0(a1)
	REPORT(15)
	# 16: clint msip sd
	li a1, 0x2000000
	li a2, 0
	PROBE(16) sd a2, 0(a1)
	REPORT(16)
	# 17: clint mtime lb
	li a1, 0x200bff8
	PROBE(17) lb a2, 0(a1)
	REPORT(17)
	# 18: clint mtime lh
	li a1, 0x200bff8
	PROBE(18) lh a2, 0(a1)
	REPORT(18)
	# 19: clint mtime lw
	li a1, 0x200bff8
	PROBE(19) lw a2, 0(a1)
	REPORT(19)
	# 20: clint mtime ld
	li a1, 0x200bff8
	PROBE(20) ld a2, 0(a1)
	REPORT(20)
	# 21: clint mtime lbu
	li a1, 0x200bff8
	PROBE(21) lbu a2, 0(a1)
	REPORT(21)
	# 22: clint mtime sb
	li a1, 0x200bff8
	li a2, 0
	PROBE(22) sb a2, 0(a1)
	REPORT(22)
	# 23: clint mtime sh
	li a1, 0x200bff8
	li a2, 0
	PROBE(23) sh a2, 0(a1)
	REPORT(23)
	# 24: clint mtimecmp lb
	li a1, 0x2004000
	PROBE(24) lb a2, 0(a1)
	REPORT(24)
	# 25: clint mtimecmp lh
	li a1, 0x2004000
	PROBE(25) lh a2, 0(a1)
	REPORT(25)
	# 26: clint mtimecmp lw
	li a1, 0x2004000
	PROBE(26) lw a2, 0(a1)
	REPORT(26)
	# 27: clint mtimecmp ld
	li a1, 0x2004000
	PROBE(27) ld a2, 0(a1)
	REPORT(27)
	# 28: clint mtimecmp lbu
	li a1, 0x2004000
	PROBE(28) lbu a2, 0(a1)
	REPORT(28)
	# 29: clint mtimecmp sb
	li a1, 0x2004000
	li a2, 0
	PROBE(29) sb a2, 0(a1)
	REPORT(29)
	# 30: clint mtimecmp sh
	li a1, 0x2004000
	li a2, 0
	PROBE(30) sh a2, 0(a1)
	REPORT(30)
	# 31: clint mtimecmp sw
	li a1, 0x2004000
	li a2, 0
	PROBE(31) sw a2, 0(a1)
	REPORT(31)
	# 32: clint mtimecmp sd
	li a1, 0x2004000
	li a2, 0
	PROBE(32) sd a2, 0(a1)
	REPORT(32)
	# 33: plic prio10 lb
	li a1, 0xc000028
	PROBE(33) lb a2, 0(a1)
	REPORT(33)
	# 34: plic prio10 lh
	li a1, 0xc000028
	PROBE(34) lh a2, 0(a1)
	REPORT(34)
	# 35: plic prio10 lw
	li a1, 0xc000028
	PROBE(35) lw a2, 0(a1)
	REPORT(35)
	# 36: plic prio10 ld
	li a1, 0xc000028
	PROBE(36) ld a2, 0(a1)
	REPORT(36)
	# 37: plic prio10 lbu
	li a1, 0xc000028
	PROBE(37) lbu a2, 0(a1)
	REPORT(37)
	# 38: plic prio10 sb
	li a1, 0xc000028
	li a2, 0
	PROBE(38) sb a2, 0(a1)
	REPORT(38)
	# 39: plic prio10 sh
	li a1, 0xc000028
	li a2, 0
	PROBE(39) sh a2, 0(a1)
	REPORT(39)
	# 40: plic prio10 sw
	li a1, 0xc000028
	li a2, 0
	PROBE(40) sw a2, 0(a1)
	REPORT(40)
	# 41: plic prio10 sd
	li a1, 0xc000028
	li a2, 0
	PROBE(41) sd a2, 0(a1)
	REPORT(41)
	# 42: plic enable lb
	li a1, 0xc002000
	PROBE(42) lb a2, 0(a1)
	REPORT(42)
	# 43: plic enable lh
	li a1, 0xc002000
	PROBE(43) lh a2, 0(a1)
	REPORT(43)
	# 44: plic enable lw
	li a1, 0xc002000
	PROBE(44) lw a2, 0(a1)
	REPORT(44)
	# 45: plic enable ld
	li a1, 0xc002000
	PROBE(45) ld a2, 0(a1)
	REPORT(45)
	# 46: plic enable lbu
	li a1, 0xc002000
	PROBE(46) lbu a2, 0(a1)
	REPORT(46)
	# 47: plic enable sb
	li a1, 0xc002000
	li a2, 0
	PROBE(47) sb a2, 0(a1)
	REPORT(47)
	# 48: plic enable sh
	li a1, 0xc002000
	li a2, 0
	PROBE(48) sh a2, 0(a1)
	REPORT(48)
	# 49: plic enable sw
	li a1, 0xc002000
	li a2, 0
	PROBE(49) sw a2, 0(a1)
	REPORT(49)
	# 50: plic enable sd
	li a1, 0xc002000
	li a2, 0
	PROBE(50) sd a2, 0(a1)
	REPORT(50)
	# 51: plic threshold lb
	li a1, 0xc200000
	PROBE(51) lb a2, 0(a1)
	REPORT(51)
	# 52: plic threshold lh
	li a1, 0xc200000
	PROBE(52) lh a2, 0(a1)
	REPORT(52)
	# 53: plic threshold lw
	li a1, 0xc200000
	PROBE(53) lw a2, 0(a1)
	REPORT(53)
	# 54: plic threshold ld
	li a1, 0xc200000
	PROBE(54) ld a2, 0(a1)
	REPORT(54)
	# 55: plic threshold lbu
	li a1, 0xc200000
	PROBE(55) lbu a2, 0(a1)
	REPORT(55)
	# 56: plic threshold sb
	li a1, 0xc200000
	li a2, 0
	PROBE(56) sb a2, 0(a1)
	REPORT(56)
	# 57: plic threshold sh
	li a1, 0xc200000
	li a2, 0
	PROBE(57) sh a2, 0(a1)
	REPORT(57)
	# 58: plic threshold sw
	li a1, 0xc200000
	li a2, 0
	PROBE(58) sw a2, 0(a1)
	REPORT(58)
	# 59: plic threshold sd
	li a1, 0xc200000
	li a2, 0
	PROBE(59) sd a2, 0(a1)
	REPORT(59)
	# 60: uart scr lb
	li a1, 0x10000007
	PROBE(60) lb a2, 0(a1)
	REPORT(60)
	# 61: uart scr lh
	li a1, 0x10000007
	PROBE(61) lh a2, 0(a1)
	REPORT(61)
	# 62: uart scr lw
	li a1, 0x10000007
	PROBE(62) lw a2, 0(a1)
	REPORT(62)
	# 63: uart scr ld
	li a1, 0x10000007
	PROBE(63) ld a2, 0(a1)
	REPORT(63)
	# 64: uart scr lbu
	li a1, 0x10000007
	PROBE(64) lbu a2, 0(a1)
	REPORT(64)
	# 65: uart scr sb
	li a1, 0x10000007
	li a2, 0
	PROBE(65) sb a2, 0(a1)
	REPORT(65)
	# 66: uart scr sh
	li a1, 0x10000007
	li a2, 0
	PROBE(66) sh a2, 0(a1)
	REPORT(66)
	# 67: uart scr sw
	li a1, 0x10000007
	li a2, 0
	PROBE(67) sw a2, 0(a1)
	REPORT(67)
	# 68: uart scr sd
	li a1, 0x10000007
	li a2, 0
	PROBE(68) sd a2, 0(a1)
	REPORT(68)
	# 69: uart lsr lb
	li a1, 0x10000005
	PROBE(69) lb a2, 0(a1)
	REPORT(69)
	# 70: uart lsr lh
	li a1, 0x10000005
	PROBE(70) lh a2, 0(a1)
	REPORT(70)
	# 71: uart lsr lw
	li a1, 0x10000005
	PROBE(71) lw a2, 0(a1)
	REPORT(71)
	# 72: uart lsr ld
	li a1, 0x10000005
	PROBE(72) ld a2, 0(a1)
	REPORT(72)
	# 73: uart lsr lbu
	li a1, 0x10000005
	PROBE(73) lbu a2, 0(a1)
	REPORT(73)
	# 74: uart lsr sb
	li a1, 0x10000005
	li a2, 0
	PROBE(74) sb a2, 0(a1)
	REPORT(74)
	# 75: uart lsr sh
	li a1, 0x10000005
	li a2, 0
	PROBE(75) sh a2, 0(a1)
	REPORT(75)
	# 76: uart lsr sw
	li a1, 0x10000005
	li a2, 0
	PROBE(76) sw a2, 0(a1)
	REPORT(76)
	# 77: uart lsr sd
	li a1, 0x10000005
	li a2, 0
	PROBE(77) sd a2, 0(a1)
	REPORT(77)
	# 78: rom lb
	li a1, 0x1000
	PROBE(78) lb a2, 0(a1)
	REPORT(78)
	# 79: rom lh
	li a1, 0x1000
	PROBE(79) lh a2, 0(a1)
	REPORT(79)
	# 80: rom lw
	li a1, 0x1000
	PROBE(80) lw a2, 0(a1)
	REPORT(80)
	# 81: rom ld
	li a1, 0x1000
	PROBE(81) ld a2, 0(a1)
	REPORT(81)
	# 82: rom lbu
	li a1, 0x1000
	PROBE(82) lbu a2, 0(a1)
	REPORT(82)
	# 83: rom sb
	li a1, 0x1000
	li a2, 0
	PROBE(83) sb a2, 0(a1)
	REPORT(83)
	# 84: rom sh
	li a1, 0x1000
	li a2, 0
	PROBE(84) sh a2, 0(a1)
	REPORT(84)
	# 85: finisher+1 lh
	li a1, 0x100001
	PROBE(85) lh a2, 0(a1)
	REPORT(85)
	# 86: finisher+1 lw
	li a1, 0x100001
	PROBE(86) lw a2, 0(a1)
	REPORT(86)
	# 87: finisher+1 ld
	li a1, 0x100001
	PROBE(87) ld a2, 0(a1)
	REPORT(87)
	# 88: finisher+1 lhu
	li a1, 0x100001
	PROBE(88) lhu a2, 0(a1)
	REPORT(88)
	# 89: finisher+1 lwu
	li a1, 0x100001
	PROBE(89) lwu a2, 0(a1)
	REPORT(89)
	# 90: mtimecmp+1 lh
	li a1, 0x2004001
	PROBE(90) lh a2, 0(a1)
	REPORT(90)
	# 91: mtimecmp+1 lw
	li a1, 0x2004001
	PROBE(91) lw a2, 0(a1)
	REPORT(91)
	# 92: mtimecmp+1 ld
	li a1, 0x2004001
	PROBE(92) ld a2, 0(a1)
	REPORT(92)
	# 93: mtimecmp+1 lhu
	li a1, 0x2004001
	PROBE(93) lhu a2, 0(a1)
	REPORT(93)
	# 94: mtimecmp+1 lwu
	li a1, 0x2004001
	PROBE(94) lwu a2, 0(a1)
	REPORT(94)
	# 95: mtimecmp+1 sh
	li a1, 0x2004001
	li a2, 0
	PROBE(95) sh a2, 0(a1)
	REPORT(95)
	# 96: mtimecmp+1 sw
	li a1, 0x2004001
	li a2, 0
	PROBE(96) sw a2, 0(a1)
	REPORT(96)
	# 97: mtimecmp+1 sd
	li a1, 0x2004001
	li a2, 0
	PROBE(97) sd a2, 0(a1)
	REPORT(97)
	# 98: mtimecmp+2 lh
	li a1, 0x2004002
	PROBE(98) lh a2, 0(a1)
	REPORT(98)
	# 99: mtimecmp+2 lw
	li a1, 0x2004002
	PROBE(99) lw a2, 0(a1)
	REPORT(99)
	# 100: mtimecmp+2 ld
	li a1, 0x2004002
	PROBE(100) ld a2, 0(a1)
	REPORT(100)
	# 101: mtimecmp+2 lhu
	li a1, 0x2004002
	PROBE(101) lhu a2, 0(a1)
	REPORT(101)
	# 102: mtimecmp+2 lwu
	li a1, 0x2004002
	PROBE(102) lwu a2, 0(a1)
	REPORT(102)
	# 103: mtimecmp+2 sh
	li a1, 0x2004002
	li a2, 0
	PROBE(103) sh a2, 0(a1)
	REPORT(103)
	# 104: mtimecmp+2 sw
	li a1, 0x2004002
	li a2, 0
	PROBE(104) sw a2, 0(a1)
	REPORT(104)
	# 105: mtimecmp+2 sd
	li a1, 0x2004002
	li a2, 0
	PROBE(105) sd a2, 0(a1)
	REPORT(105)
	# 106: mtimecmp+4 lh
	li a1, 0x2004004
	PROBE(106) lh a2, 0(a1)
	REPORT(106)
	# 107: mtimecmp+4 lw
	li a1, 0x2004004
	PROBE(107) lw a2, 0(a1)
	REPORT(107)
	# 108: mtimecmp+4 ld
	li a1, 0x2004004
	PROBE(108) ld a2, 0(a1)
	REPORT(108)
	# 109: mtimecmp+4 lhu
	li a1, 0x2004004
	PROBE(109) lhu a2, 0(a1)
	REPORT(109)
	# 110: mtimecmp+4 lwu
	li a1, 0x2004004
	PROBE(110) lwu a2, 0(a1)
	REPORT(110)
	# 111: mtimecmp+4 sh
	li a1, 0x2004004
	li a2, 0
	PROBE(111) sh a2, 0(a1)
	REPORT(111)
	# 112: mtimecmp+4 sw
	li a1, 0x2004004
	li a2, 0
	PROBE(112) sw a2, 0(a1)
	REPORT(112)
	# 113: mtimecmp+4 sd
	li a1, 0x2004004
	li a2, 0
	PROBE(113) sd a2, 0(a1)
	REPORT(113)
	# 114: msip+2 lh
	li a1, 0x2000002
	PROBE(114) lh a2, 0(a1)
	REPORT(114)
	# 115: msip+2 lw
	li a1, 0x2000002
	PROBE(115) lw a2, 0(a1)
	REPORT(115)
	# 116: msip+2 ld
	li a1, 0x2000002
	PROBE(116) ld a2, 0(a1)
	REPORT(116)
	# 117: msip+2 lhu
	li a1, 0x2000002
	PROBE(117) lhu a2, 0(a1)
	REPORT(117)
	# 118: msip+2 lwu
	li a1, 0x2000002
	PROBE(118) lwu a2, 0(a1)
	REPORT(118)
	# 119: msip+2 sh
	li a1, 0x2000002
	li a2, 0
	PROBE(119) sh a2, 0(a1)
	REPORT(119)
	# 120: msip+2 sw
	li a1, 0x2000002
	li a2, 0
	PROBE(120) sw a2, 0(a1)
	REPORT(120)
	# 121: msip+2 sd
	li a1, 0x2000002
	li a2, 0
	PROBE(121) sd a2, 0(a1)
	REPORT(121)
	# 122: plic+1 lh
	li a1, 0xc000029
	PROBE(122) lh a2, 0(a1)
	REPORT(122)
	# 123: plic+1 lw
	li a1, 0xc000029
	PROBE(123) lw a2, 0(a1)
	REPORT(123)
	# 124: plic+1 ld
	li a1, 0xc000029
	PROBE(124) ld a2, 0(a1)
	REPORT(124)
	# 125: plic+1 lhu
	li a1, 0xc000029
	PROBE(125) lhu a2, 0(a1)
	REPORT(125)
	# 126: plic+1 lwu
	li a1, 0xc000029
	PROBE(126) lwu a2, 0(a1)
	REPORT(126)
	# 127: plic+1 sh
	li a1, 0xc000029
	li a2, 0
	PROBE(127) sh a2, 0(a1)
	REPORT(127)
	# 128: plic+1 sw
	li a1, 0xc000029
	li a2, 0
	PROBE(128) sw a2, 0(a1)
	REPORT(128)
	# 129: plic+1 sd
	li a1, 0xc000029
	li a2, 0
	PROBE(129) sd a2, 0(a1)
	REPORT(129)
	# 130: uart rbr lh
	li a1, 0x10000000
	PROBE(130) lh a2, 0(a1)
	REPORT(130)
	# 131: uart rbr lw
	li a1, 0x10000000
	PROBE(131) lw a2, 0(a1)
	REPORT(131)
	# 132: uart rbr ld
	li a1, 0x10000000
	PROBE(132) ld a2, 0(a1)
	REPORT(132)
	# 133: uart rbr lhu
	li a1, 0x10000000
	PROBE(133) lhu a2, 0(a1)
	REPORT(133)
	# 134: uart rbr lwu
	li a1, 0x10000000
	PROBE(134) lwu a2, 0(a1)
	REPORT(134)
	# 135: uart ier lh
	li a1, 0x10000001
	PROBE(135) lh a2, 0(a1)
	REPORT(135)
	# 136: uart ier lw
	li a1, 0x10000001
	PROBE(136) lw a2, 0(a1)
	REPORT(136)
	# 137: uart ier ld
	li a1, 0x10000001
	PROBE(137) ld a2, 0(a1)
	REPORT(137)
	# 138: uart ier lhu
	li a1, 0x10000001
	PROBE(138) lhu a2, 0(a1)
	REPORT(138)
	# 139: uart ier lwu
	li a1, 0x10000001
	PROBE(139) lwu a2, 0(a1)
	REPORT(139)
	# 140: uart ier sh
	li a1, 0x10000001
	li a2, 0
	PROBE(140) sh a2, 0(a1)
	REPORT(140)
	# 141: uart ier sw
	li a1, 0x10000001
	li a2, 0
	PROBE(141) sw a2, 0(a1)
	REPORT(141)
	# 142: uart ier sd
	li a1, 0x10000001
	li a2, 0
	PROBE(142) sd a2, 0(a1)
	REPORT(142)
	# 143: uart lcr lh
	li a1, 0x10000003
	PROBE(143) lh a2, 0(a1)
	REPORT(143)
	# 144: uart lcr lw
	li a1, 0x10000003
	PROBE(144) lw a2, 0(a1)
	REPORT(144)
	# 145: uart lcr ld
	li a1, 0x10000003
	PROBE(145) ld a2, 0(a1)
	REPORT(145)
	# 146: uart lcr lhu
	li a1, 0x10000003
	PROBE(146) lhu a2, 0(a1)
	REPORT(146)
	# 147: uart lcr lwu
	li a1, 0x10000003
	PROBE(147) lwu a2, 0(a1)
	REPORT(147)
	# 148: uart lcr sh
	li a1, 0x10000003
	li a2, 0
	PROBE(148) sh a2, 0(a1)
	REPORT(148)
	# 149: uart lcr sw
	li a1, 0x10000003
	li a2, 0
	PROBE(149) sw a2, 0(a1)
	REPORT(149)
	# 150: uart lcr sd
	li a1, 0x10000003
	li a2, 0
	PROBE(150) sd a2, 0(a1)
	REPORT(150)
	# 151: uart +5 lw value
	li a1, 0x10000005
	PROBE(151) lw s9, 0(a1)
	REPORT(151)
	# 152: uart +5 lh value
	li a1, 0x10000005
	PROBE(152) lh s9, 0(a1)
	REPORT(152)
	# 153: uart +5 ld value
	li a1, 0x10000005
	PROBE(153) ld s9, 0(a1)
	REPORT(153)
	# 154: uart +2 lw value
	li a1, 0x10000002
	PROBE(154) lw s9, 0(a1)
	REPORT(154)
	# 155: uart +5 lb value
	li a1, 0x10000005
	PROBE(155) lb s9, 0(a1)
	REPORT(155)
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b
.align 2
handler:
	csrr s9, mcause
	csrr s10, mtval
	jr s11

# puthex prints a0 as 16 hex digits and a space.
puthex:
	li t2, 60
1:	srl t3, a0, t2
	andi t3, t3, 15
	li t4, 10
	blt t3, t4, 2f
	addi t3, t3, 'a' - 10
	j 3f
2:	addi t3, t3, '0'
3:	li t5, UART
4:	lbu t6, 5(t5)
	andi t6, t6, 0x20
	beqz t6, 4b
	sb t3, 0(t5)
	addi t2, t2, -4
	bgez t2, 1b
	li t3, ' '
	sb t3, 0(t5)
	ret

# putnum prints a0 (< 100) as two decimal digits and ": ".
putnum:
	li t5, UART
	li t4, 10
	divu t3, a0, t4
	addi t3, t3, '0'
	sb t3, 0(t5)
	remu t3, a0, t4
	addi t3, t3, '0'
	sb t3, 0(t5)
	li t3, ':'
	sb t3, 0(t5)
	li t3, ' '
	sb t3, 0(t5)
	ret

newline:
	li t5, UART
	li t3, '\n'
	sb t3, 0(t5)
	ret

.data
.align 4
stack: .space 1024
stack_top:
