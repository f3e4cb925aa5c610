/*
 * cpu/disasm.c — Capstone disassembly of guest code, for events, replay
 * reports and the inspector.
 */
#include "cpu/cpu.h"
#include "mmu/physmem.h"
#include "mmu/view.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

int
cpu_disasm(enum sim_arch arch, const uint8_t *code, size_t len, uint64_t pc,
    int n, char *out, size_t outlen)
{
	csh cs;
	cs_insn *insn;
	size_t got, used = 0;
	cs_err e;

	if (outlen > 0)
		out[0] = '\0';
	if (arch == ARCH_AMD64)
		e = cs_open(CS_ARCH_X86, CS_MODE_64, &cs);
	else
		e = cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | (arch == ARCH_MIPS ?
		    CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN), &cs);
	if (e != CS_ERR_OK)
		return -1;
	got = cs_disasm(cs, code, len, pc, (size_t)n, &insn);
	for (size_t i = 0; i < got && used < outlen; i++) {
		int w = snprintf(out + used, outlen - used, "%s%#llx: %s%s%s",
		    i ? "\n" : "", (unsigned long long)insn[i].address,
		    insn[i].mnemonic, insn[i].op_str[0] ? " " : "", insn[i].op_str);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (got > 0)
		cs_free(insn, got);
	cs_close(&cs);
	return (int)got;
}

int
cpu_disasm_at(struct cpu_as *as, vm_offset_t va, char *out, size_t outlen)
{
	struct mmu_view *v = cpu_as_view(as);
	vm_paddr_t pa = mmu_view_frame(v, va);
	uint8_t buf[16];
	size_t len;
	enum sim_arch arch = ARCH_AMD64;

	if (outlen > 0)
		out[0] = '\0';
	if (pa == (vm_paddr_t)-1)
		return 0;
	/* Read through the frame the view shows (never the host window,
	 * which may be inaccessible); stop at the page end. */
	len = MIN(sizeof(buf), PAGE_SIZE - (va & PAGE_MASK));
	memcpy(buf, physmem_ptr(v->pm, pa | (va & PAGE_MASK)), len);
	arch = cpu_as_arch(as);
	return cpu_disasm(arch, buf, len, va, 1, out, outlen);
}
