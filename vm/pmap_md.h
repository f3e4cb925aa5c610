/*
 * vm/pmap_md.h — private to vm/pmap.c, vm/mips/pmap.c and vm/amd64/pmap.c:
 * the layout of struct pmap (a machine-independent part and a union of
 * the MIPS and amd64 parts), the per-CPU pmap state, and struct pmap_ops,
 * the table of machine-dependent entry points that vm/pmap.c dispatches
 * through (FreeBSD links one pmap per kernel; vmsim carries both and picks
 * one at pmap_bootstrap time from the machine's architecture).
 *
 * Nothing outside vm/pmap.c and vm/<arch>/pmap.c may include this file:
 * the rest of the kernel sees struct pmap as opaque (vm/pmap.h).
 */
#ifndef VM_PMAP_MD_H
#define VM_PMAP_MD_H

#include "vm/pmap.h"

/* CPU ids are 0..PMAP_MAXCPU-1; CPU sets are uint64_t bit masks. */
#define PMAP_MAXCPU	64
#define PMAP_CPUBIT(id)	((uint64_t)1 << (id))

/* MIPS: one CPU's view of a pmap's ASID (FreeBSD struct pmap_asid). */
struct pmap_asid {
	uint64_t gen;		/* the CPU's ASID generation at allocation; 0 = none */
	uint8_t asid;		/* valid while gen equals the CPU's generation */
};

/* MIPS part: the segment table is pm_root; ASIDs are per CPU. */
struct pmap_mips {
	struct pmap_asid pm_asid[PMAP_MAXCPU];
};

/* amd64 part: the PML4 is pm_root; one PCID for the pmap's lifetime. */
struct pmap_amd64 {
	uint16_t pm_pcid;	/* 1..4095, lowest free at create */
	uint64_t pm_save;	/* CPUs that have run this pmap (may cache it) */
	uint64_t pm_stale;	/* CPUs whose PCID-tagged entries may be stale:
				   flushed at the next activation there */
	struct pmap *pm_next;	/* every user pmap (for the kernel's PML4 slot) */
	struct pmap **pm_prevp;
};

struct pmap {
	/* Machine-independent part. */
	vm_page_t pm_root;		/* MIPS segment table / amd64 PML4 page */
	unsigned long pm_ptpages;	/* table pages, the root included */
	unsigned long pm_resident;	/* valid leaf PTEs */
	unsigned long pm_wired;		/* of which wired */
	unsigned long pm_pvcount;	/* of which on a page's pv list */
	unsigned long pm_unmanaged;	/* of which map frames without a
					   managed page (no pv entry) */
	uint64_t pm_active;		/* CPUs on which this is the active pmap */
	/* Machine-dependent part, chosen by the machine's architecture. */
	union {
		struct pmap_mips mips;
		struct pmap_amd64 amd64;
	} pm_md;
};

/* The pmap layer's state for one CPU. */
struct pmap_pcpu {
	struct pmap *pc_active;		/* the pmap this CPU translates with, or NULL */
	unsigned pc_asid_next;		/* MIPS: next ASID to hand out, 1..256 */
	uint64_t pc_asid_gen;		/* MIPS: the ASID generation, from 1 */
};

/*
 * One function per machine-dependent contract function of vm/pmap.h (the
 * direct-map helpers pmap_zero_page/pmap_copy_page are the same on both
 * machines and live in vm/pmap.c).  bootstrap resets the MD global state.
 */
struct pmap_ops {
	const char *name;
	void (*bootstrap)(void);
	struct pmap *(*create)(void);
	void (*destroy)(struct pmap *pmap);
	int (*enter)(struct pmap *pmap, vm_offset_t va, vm_prot_t access,
	    vm_page_t m, vm_prot_t prot, bool wired);
	void (*remove)(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva);
	void (*protect)(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva,
	    vm_prot_t prot);
	vm_paddr_t (*extract)(struct pmap *pmap, vm_offset_t va);
	void (*change_wiring)(struct pmap *pmap, vm_offset_t va, bool wired);
	vm_prot_t (*prot)(struct pmap *pmap, vm_offset_t va);
	void (*activate)(struct pmap *pmap, struct mmu_cpu *cpu);
	void (*deactivate_all)(struct pmap *pmap);
	int (*tlb_refill)(struct mmu_cpu *cpu, vm_offset_t va);
	int (*emulate_modified)(struct pmap *pmap, struct mmu_cpu *cpu,
	    vm_offset_t va);
	int (*check)(struct pmap *pmap, char *msg, size_t msglen);
	/* The PMAP_PTE_* state of va's leaf PTE (0: none); the bits in
	 * clear are cleared in the PTE and every TLB's copy. */
	int (*pte_bits)(struct pmap *pmap, vm_offset_t va, int clear);
	/* The kernel pmap (vm/pmap.h "kernel virtual memory"): enter the
	 * count frames pa[] at va.. with memory attributes ma[] / remove
	 * count pages at va.. (each shot down on every CPU as needed), look
	 * va up (0: none). */
	void (*kenter)(vm_offset_t va, const vm_paddr_t *pa,
	    const vm_memattr_t *ma, int count);
	void (*kremove)(vm_offset_t va, int count);
	vm_paddr_t (*kextract)(vm_offset_t va);
	void (*kstack_switch)(struct mmu_cpu *cpu, vm_offset_t kstack);
	void (*pcpu_set)(struct mmu_cpu *cpu, vm_offset_t va);
	void (*sync_icache)(struct pmap *pmap, vm_offset_t va, vm_size_t len);
	/* Rewrite the cache bits of every mapping of the managed page m to
	 * m->memattr: its pv list's PTEs and the kernel PTEs that map its
	 * frame (kernel mappings have no pv entries: the kernel tables are
	 * scanned), each changed PTE that a TLB may hold shot down (never
	 * skipped by --bug skip-shootdown). */
	void (*page_set_memattr)(vm_page_t m);
};

/*
 * One shootdown (vm/pmap.c pmap_shootdown): the MD code describes the
 * operation and what one CPU does; the MI rendezvous logs it, charges the
 * IPIs and runs invalidate on every CPU in cpus (the initiator first, if
 * it is one of them), or, for remote CPUs under --bug skip-shootdown,
 * skipped (which registers the entries left stale with mmu_stale_watch).
 * skipped NULL: the knob does not apply (kernel pmap).
 */
enum pmap_sd_kind {
	PMAP_SD_PAGE,		/* one page (INVLPG; MIPS: probe the pair) */
	PMAP_SD_RANGE,		/* the pages va[0..npages) of one operation */
	PMAP_SD_ALL,		/* every entry of the pmap (CR3 reload: global
				   entries survive) */
};
#define PMAP_SD_MAXPAGES 32	/* a larger operation becomes PMAP_SD_ALL */

struct pmap_sd {
	struct pmap *pmap;		/* the user pmap, or &kernel_pmap_store */
	enum pmap_sd_kind kind;
	vm_offset_t sva, eva;		/* the range the event shows */
	int npages;			/* PAGE/RANGE: va[0..npages) */
	vm_offset_t va[PMAP_SD_MAXPAGES];
	uint64_t cpus;			/* the CPUs that act, initiator included */
	void (*invalidate)(struct mmu_cpu *cpu, const struct pmap_sd *sd);
	void (*skipped)(struct mmu_cpu *cpu, const struct pmap_sd *sd);
	uint64_t arg;			/* MD data (MIPS: the new PTE) */
};
void pmap_shootdown(const struct pmap_sd *sd);
/* The CPU the kernel runs on (event_context()->cpu, 0 if none). */
int pmap_initiator(void);
/* Every CPU of the machine. */
uint64_t pmap_all_cpus(void);
extern bool pmap_skip_sd;

/* The kernel pmap (counts and root; MIPS: the kernel segment table,
 * amd64: a PML4 whose one slot every user PML4 shares).  pm_root NULL
 * until the MD code first needs it. */
extern struct pmap kernel_pmap_store;
#define kernel_pmap	(&kernel_pmap_store)

/* pte_bits: machine-independent names of the PTE's status bits. */
#define PMAP_PTE_VALID		0x01	/* a valid leaf */
#define PMAP_PTE_REFERENCED	0x02	/* amd64 PG_A (MIPS: never) */
#define PMAP_PTE_MODIFIED	0x04	/* amd64 PG_M, MIPS D */

extern const struct pmap_ops pmap_mips_ops;
extern const struct pmap_ops pmap_amd64_ops;

/* Set by pmap_bootstrap (vm/pmap.c). */
extern struct pmap_machine pmap_mach;
extern struct pmap_pcpu pmap_pcpu[PMAP_MAXCPU];

/*
 * A zeroed, wired page for a page table, counted in pmap->pm_ptpages; or
 * NULL when no page can be had.  pmap_ptpage_free undoes it.
 */
vm_page_t pmap_ptpage_alloc(struct pmap *pmap);
void pmap_ptpage_free(struct pmap *pmap, vm_page_t m);
/*
 * The modified state of a mapping goes back to its page (FreeBSD:
 * vm_page_dirty when a PTE with the modified bit is torn down).  Frames
 * outside the page array (device memory) are skipped.
 */
void pmap_page_dirty(vm_paddr_t pa);
/*
 * The pv lists (vm/pmap.c): the MD code calls pmap_pv_insert when a
 * valid leaf for va -> m is stored, pmap_pv_remove(pa) when the valid
 * leaf for va that mapped pa is torn down (removed or replaced).  Frames
 * without a managed vm_page (device memory) are ignored.
 */
void pmap_pv_insert(struct pmap *pmap, vm_offset_t va, vm_page_t m);
void pmap_pv_remove(struct pmap *pmap, vm_offset_t va, vm_paddr_t pa);

/* The struct pmap_machine's CPU i, with its id checked. */
struct mmu_cpu *pmap_cpu(int i);

#endif
