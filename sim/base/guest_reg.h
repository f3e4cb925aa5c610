/*
 * sim/base/guest_reg.h — names for the guest registers the kernel reads
 * and writes (system-call arguments and results, PC, SP, TLS pointer).
 * cpu/ maps them to Unicorn's register ids; sim/kern uses only these.
 */
#ifndef SIM_BASE_GUEST_REG_H
#define SIM_BASE_GUEST_REG_H

enum guest_reg {
	GREG_PC,
	GREG_SP,
	/* MIPS o32 */
	GREG_MIPS_V0, GREG_MIPS_V1,
	GREG_MIPS_A0, GREG_MIPS_A1, GREG_MIPS_A2, GREG_MIPS_A3,
	GREG_MIPS_RA, GREG_MIPS_T9,
	GREG_MIPS_USERLOCAL,	/* CP0 UserLocal: what rdhwr $29 reads (TLS) */
	/* x86-64 */
	GREG_X86_RAX, GREG_X86_RDI, GREG_X86_RSI, GREG_X86_RDX,
	GREG_X86_R10, GREG_X86_R8, GREG_X86_R9, GREG_X86_RCX, GREG_X86_R11,
	GREG_X86_FS_BASE,
	GREG_COUNT
};

#endif
