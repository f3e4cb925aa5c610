/*
 * sim/kern/exec.c — loading a static ELF executable into a new address
 * space (FreeBSD imgact_elf.c / Linux binfmt_elf.c, reduced to static
 * images): file-backed segments are copy-on-write mappings of the file's
 * vnode object, the rest of each segment is anonymous zero memory, the
 * stack gets argv/envp/auxv, the break starts after the highest segment.
 *
 * The stack is a growable one (FreeBSD exec_new_vmspace's vm_map_stack):
 * its top STACK_INIT bytes are mapped, and the room below, up to the
 * process's RLIMIT_STACK when it execs (at most STACK_RESERVE_MAX), is
 * reserved for it to grow into on faults (trap.c).
 */
#include "sim/kern/elf.h"
#include "sim/kern/kern.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "vm/pmap.h"
#include "vm/ucred.h"
#include "vm/vm_object.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_IMAGE_MAX	(128 * 1024)	/* argv + envp + auxv: ARG_MAX-ish */
#define STACK_INIT	VM_STACK_GROW_BYTES	/* mapped at exec: 128 KiB */
#define STACK_RESERVE_MAX ((vm_size_t)256 << 20)	/* room reserved at most */

/* The vnode of an executable: a private copy of its bytes. */
static void
exec_vnode_release(struct vnode *vp)
{
	free((void *)vp->data);
	free(vp);
}

static struct vnode *
exec_vnode(const char *path, const uint8_t *image, size_t len)
{
	struct vnode *vp = calloc(1, sizeof(*vp));
	uint8_t *copy = malloc(len ? len : 1);

	if (vp == NULL || copy == NULL) {
		free(vp);
		free(copy);
		return NULL;
	}
	memcpy(copy, image, len);
	vp->data = copy;
	vp->size = len;
	snprintf(vp->name, sizeof(vp->name), "%s", path);
	vp->refs = 1;
	vp->release = exec_vnode_release;
	return vp;
}

/* Map one PT_LOAD segment (biased).  0, or -1 with a message. */
static int
exec_map_segment(struct proc *p, struct vm_object *obj, const struct elf_seg *s,
    uint64_t bias, vm_offset_t *mapped_end, char *err, size_t errlen)
{
	struct vm_map *map = &p->vm->map;
	vm_offset_t va = s->vaddr + bias;
	vm_offset_t start = trunc_page(va);
	vm_offset_t file_end = va + s->filesz;
	vm_offset_t file_map_end = round_page(file_end);
	vm_offset_t mem_end = round_page(va + s->memsz);
	vm_ooffset_t off = trunc_page(s->offset);
	int rv;

	/* A page shared with the previous segment is already mapped
	 * (elf_parse allows segments to share a page). */
	if (start < *mapped_end) {
		snprintf(err, errlen, "segment at %#llx shares a page with the previous one "
		    "(XXX: not supported yet)", (unsigned long long)va);
		return -1;
	}
	if (s->filesz > 0) {
		/* Writable while loading, so the tail of the last file page
		 * can be zeroed; the real protection is set below. */
		vm_object_reference(obj);
		rv = vm_map_insert(map, obj, off, start, file_map_end,
		    s->prot | VM_PROT_WRITE, VM_PROT_ALL, MAP_COPY_ON_WRITE);
		if (rv != KERN_SUCCESS) {
			vm_object_deallocate(obj);
			snprintf(err, errlen, "cannot map segment at %#llx (vm_map_insert: %d)",
			    (unsigned long long)va, rv);
			return -1;
		}
		if (file_end < file_map_end && s->memsz > s->filesz) {
			static const uint8_t zeros[PAGE_SIZE];

			if (copyout(p, zeros, file_end, file_map_end - file_end) != 0) {
				snprintf(err, errlen, "cannot zero the bss start at %#llx",
				    (unsigned long long)file_end);
				return -1;
			}
		}
		if (vm_map_protect(map, start, file_map_end, s->prot, false) != KERN_SUCCESS) {
			snprintf(err, errlen, "cannot protect segment at %#llx",
			    (unsigned long long)va);
			return -1;
		}
	} else {
		file_map_end = start;
	}
	if (mem_end > file_map_end) {
		rv = vm_map_insert(map, NULL, 0, file_map_end, mem_end, s->prot,
		    VM_PROT_ALL, 0);
		if (rv != KERN_SUCCESS) {
			snprintf(err, errlen, "cannot map bss at %#llx (vm_map_insert: %d)",
			    (unsigned long long)file_map_end, rv);
			return -1;
		}
	}
	*mapped_end = mem_end;
	return 0;
}

static int
exec_load(struct kern *k, struct proc *p, const struct elf_image *img,
    struct vm_object *obj, uint64_t bias, char *err, size_t errlen)
{
	vm_offset_t mapped_end = 0;

	for (int i = 0; i < img->nsegs; i++)
		if (exec_map_segment(p, obj, &img->segs[i], bias, &mapped_end,
		    err, errlen) != 0)
			return -1;
	p->vm->brk_base = p->vm->brk = round_page(img->max_va + bias);
	(void)k;
	return 0;
}

static int
exec_stack(struct kern *k, struct proc *p, const struct elf_image *img, uint64_t bias,
    int argc, char *const *argv, int envc, char *const *envp, uint64_t *sp,
    char *err, size_t errlen)
{
	struct vmspace *vm = p->vm;
	struct stack_args sa;
	uint8_t *buf;
	size_t used;
	int rv;

	vm->stack_top = k->layout.stack_top;
	/* The room: RLIMIT_STACK now, page aligned, between the initial
	 * size and STACK_RESERVE_MAX. */
	vm->stack_size = trunc_page(MIN(p->rlim[KRLIMIT_STACK].cur, STACK_RESERVE_MAX));
	if (vm->stack_size < STACK_INIT)
		vm->stack_size = STACK_INIT;
	rv = vm_map_stack(&vm->map, vm->stack_top - vm->stack_size, vm->stack_size,
	    STACK_INIT, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0);
	if (rv != KERN_SUCCESS) {
		snprintf(err, errlen, "cannot map the stack (vm_map_stack: %d)", rv);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.arch = p->arch;
	sa.argc = argc;
	sa.argv = argv;
	sa.envc = envc;
	sa.envp = envp;
	sa.execfn = p->path;
	sa.phdr = img->phdr_va ? img->phdr_va + bias : 0;
	sa.phent = img->phentsize;
	sa.phnum = img->phnum;
	sa.entry = img->entry + bias;
	sa.uid = p->uid;
	sa.gid = p->gid;
	for (int i = 0; i < 16; i++)	/* byte by byte: host order never leaks */
		sa.random16[i] = (uint8_t)prng_next(k->prng);
	buf = malloc(STACK_IMAGE_MAX);
	if (buf == NULL) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	if (elf_build_stack(&sa, buf, STACK_IMAGE_MAX, vm->stack_top, sp, &used) != 0) {
		free(buf);
		snprintf(err, errlen, "arguments and environment too large (E2BIG)");
		return -1;
	}
	rv = copyout(p, buf, *sp, used);
	free(buf);
	if (rv != 0) {
		snprintf(err, errlen, "cannot write the initial stack");
		return -1;
	}
	return 0;
}

/* The executable image of vp parsed for this kernel: 0, or -1 with a
 * message in err. */
static int
exec_parse(struct kern *k, const char *path, const uint8_t *image, size_t len,
    struct elf_image *img, uint64_t *bias, char *err, size_t errlen)
{
	struct elf_limits lim = { .user_max = k->layout.user_max };
	char perr[200];

	if (elf_parse(image, len, &lim, img, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "%s: malformed ELF: %s", path, perr);
		return -1;
	}
	if (img->arch != k->arch) {
		snprintf(err, errlen, "%s: a %s program, but the machine is %s", path,
		    sim_arch_name(img->arch), sim_arch_name(k->arch));
		return -1;
	}
	*bias = img->is_pie ? k->layout.pie_base : 0;
	if (img->max_va + *bias > k->layout.user_max) {
		snprintf(err, errlen, "%s: image does not fit below %#llx", path,
		    (unsigned long long)k->layout.user_max);
		return -1;
	}
	return 0;
}

/*
 * Load img (its file is obj) into p's address space p->vm, which must be
 * empty, with the stack for argv/envp: 0 with *sp, or -1 with a message.
 */
static int
exec_image(struct kern *k, struct proc *p, const struct elf_image *img, uint64_t bias,
    struct vm_object *obj, int argc, char *const *argv, int envc, char *const *envp,
    uint64_t *sp, char *err, size_t errlen)
{
	if (exec_load(k, p, img, obj, bias, err, errlen) != 0 ||
	    exec_stack(k, p, img, bias, argc, argv, envc, envp, sp, err, errlen) != 0)
		return -1;
	return 0;
}

/* The new image's registers, and its exec event. */
static int
exec_start(struct kern *k, struct proc *p, uint64_t entry, uint64_t sp)
{
	struct event ev;

	ev = event_make(EV_EXEC, NULL, entry);
	snprintf(ev.detail, sizeof(ev.detail), "%s", p->path);
	ev.pc = entry;
	event_emit(&ev, 1);
	if (k->hw->map_changed(k->hw_arg, p) != 0)
		return -1;
	k->hw->reg_set(k->hw_arg, p->td, GREG_PC, entry);
	k->hw->reg_set(k->hw_arg, p->td, GREG_SP, sp);
	if (sim_arch_is_mips(k->arch))
		k->hw->reg_set(k->hw_arg, p->td, GREG_MIPS_T9, entry);
	return 0;
}

int
kern_spawn(struct kern *k, const char *path, const uint8_t *image, size_t len,
    int argc, char *const *argv, int envc, char *const *envp,
    struct proc **out, char *err, size_t errlen)
{
	struct elf_image img;
	struct proc *p = NULL;
	struct vnode *vp = NULL;
	struct vm_object *obj = NULL;
	uint64_t bias, sp;
	int slot;

	*out = NULL;
	if (exec_parse(k, path, image, len, &img, &bias, err, errlen) != 0)
		return -1;
	if ((slot = kern_proc_slot(k)) < 0) {
		snprintf(err, errlen, "too many processes");
		return -1;
	}
	p = calloc(1, sizeof(*p));
	/* In the guest the program is /NAME at the root of its file system:
	 * AT_EXECFN and /proc/self/exe say so, whatever the host path. */
	if (p == NULL || (p->path = malloc(strlen(path) + 2)) == NULL)
		goto nomem;
	sprintf(p->path, "/%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	p->pid = k->nextpid++;
	p->pgid = p->pid;
	p->arch = k->arch;
	if (kern_thread_alloc(k, p, p->pid) == NULL)
		goto nomem;
	if (k->initpid == 0)
		k->initpid = p->pid;	/* the first process adopts orphans */
	snprintf(p->comm, sizeof(p->comm), "%s",
	    strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	memcpy(p->rlim, k->rlim0, sizeof(p->rlim));	/* kern_limits_init */
	p->uid = k->spawn_uid;
	p->gid = k->spawn_uid;
	p->cred = crget(p->uid);
	p->cred->swap_limit = p->rlim[KRLIMIT_SWAP].cur;
	fd_init(p);
	p->vm = vmspace_alloc(k);
	if (p->vm == NULL)
		goto nomem;
	vp = exec_vnode(path, image, len);
	if (vp == NULL)
		goto nomem;
	if (vfs_add(&k->vfs, p->path, vp) != 0) {	/* the program is /NAME */
		vrele(vp);
		goto nomem;
	}
	obj = vnode_object_for(vp);
	vrele(vp);			/* the object and the vfs hold the vnode now */
	if (obj == NULL)
		goto nomem;
	/* Loading faults belong to the new process, and so do its charges. */
	event_context()->pid = p->pid;
	event_context()->tid = p->td->tid;
	ucred_set_current(p->cred);
	/* argv[0] is the program's guest path: no host path reaches the
	 * guest (its output must not depend on where vmsim was run from). */
	{
		char *const *uargv = argv;
		char **gargv = NULL;

		if (argc > 0 && (gargv = malloc(sizeof(char *) * (size_t)(argc + 1))) != NULL) {
			memcpy(gargv, argv, sizeof(char *) * (size_t)(argc + 1));
			gargv[0] = p->path;
			uargv = gargv;
		}
		if (exec_image(k, p, &img, bias, obj, argc, uargv, envc, envp, &sp,
		    err, errlen) != 0) {
			free(gargv);
			vm_object_deallocate(obj);
			kern_reap(k, p);
			return -1;
		}
		free(gargv);
	}
	vm_object_deallocate(obj);	/* the map entries hold it */
	k->procs[slot] = p;
	if (exec_start(k, p, img.entry + bias, sp) != 0) {
		snprintf(err, errlen, "%s: the execution engine refused the address space", path);
		return -1;
	}
	*out = p;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory loading the program", path);
	if (p != NULL) {
		/* kern_reap frees a half-built process too (no engine, no
		 * address space yet, descriptors from fd_init). */
		kern_reap(k, p);
	}
	return -1;
}

/*
 * execve.  The new image is built in a new address space while the old
 * one stays, so every failure before the switch returns an error to the
 * old program (Linux has a point of no return earlier).  The old space is
 * then freed (vmspace_exec: a space shared with nobody is torn down; here
 * it is never reused, which the VM-SPEC allows).  Argument strings are
 * kernel copies already; they are written with copyout into the new map
 * (which is not yet anybody's current map: no shootdown, the sf_buf
 * case).
 */
int
kern_execve(struct kern *k, struct thread *td, const char *path,
    int argc, char *const *argv, int envc, char *const *envp)
{
	struct proc *p = td->p;
	struct vmspace *oldvm = p->vm;
	struct elf_image img;
	struct vnode *vp;
	struct vm_object *obj;
	char full[512], err[256], *oldpath = p->path, *npath;
	uint64_t bias, sp;
	int e;

	if (path[0] != '/' && p->cwd[0] == '/') {
		snprintf(full, sizeof(full), "%s/%s", p->cwd, path);
		path = full;
	}
	if ((e = vfs_lookup(&k->vfs, path, &vp)) != 0)
		return e == -EISDIR ? -EACCES : e;
	if (vp->data == NULL ||
	    exec_parse(k, path, vp->data, vp->size, &img, &bias, err, sizeof(err)) != 0) {
		vrele(vp);
		return -ENOEXEC;
	}
	obj = vnode_object_for(vp);
	if (obj == NULL || (npath = strdup(path)) == NULL) {
		vm_object_deallocate(obj);
		vrele(vp);
		return -ENOMEM;
	}
	p->vm = vmspace_alloc(k);
	if (p->vm == NULL) {
		p->vm = oldvm;
		free(npath);
		vm_object_deallocate(obj);
		vrele(vp);
		return -ENOMEM;
	}
	p->path = npath;		/* AT_EXECFN */
	if (exec_image(k, p, &img, bias, obj, argc, argv, envc, envp, &sp,
	    err, sizeof(err)) != 0) {
		vmspace_free(p->vm);
		p->vm = oldvm;
		p->path = oldpath;
		free(npath);
		vm_object_deallocate(obj);
		vrele(vp);
		return strstr(err, "E2BIG") != NULL ? -E2BIG : -ENOMEM;
	}
	vm_object_deallocate(obj);
	vrele(vp);
	/* The point of no return: the old image goes. */
	free(oldpath);
	vmspace_free(oldvm);
	{
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t n = strnlen(base, sizeof(p->comm) - 1);

		memcpy(p->comm, base, n);
		p->comm[n] = '\0';
	}
	/* The other threads end (Linux de_thread); the caller becomes
	 * the leader, with the pid as its tid. */
	for (struct thread *o = p->threads; o != NULL; o = o->next)
		if (o != td && !o->exited) {
			o->clear_child_tid = 0;	/* its memory is gone */
			kern_thread_exit(k, o);
		}
	if (p->td != td) {
		p->td = td;
		td->tid = p->pid;
	}
	kern_thread_offcpu(k, td);	/* the machine activates the new pmap */
	k->hw->engine_drop(k->hw_arg, p);
	/* Handled signals go back to the default; ignored stay ignored;
	 * the mask and pending signals stay (POSIX). */
	for (int s = 1; s < KERN_NSIG; s++)
		if (p->sigact[s].handler != 1)
			memset(&p->sigact[s], 0, sizeof(p->sigact[s]));
	kern_sigctx_clear(k, td);
	td->clear_child_tid = 0;
	fd_exec(p);
	if (exec_start(k, p, img.entry + bias, sp) != 0) {
		kern_exit(k, p, KSIGKILL);	/* no engine: cannot continue */
		return -ENOMEM;
	}
	kern_sync_precise(k, p);
	if (p->vfork_parent != NULL) {
		kern_wakeup(k, p);
		p->vfork_parent = NULL;
	}
	/* A traced process stops with SIGTRAP at the new image's first
	 * instruction (Linux, without PTRACE_O_TRACEEXEC). */
	if (p->pt.tracer != 0 && p->pt.exec_trap) {
		struct ksiginfo si;

		memset(&si, 0, sizeof(si));
		si.code = KSI_USER;
		kern_psignal(k, p, KSIGTRAP, &si);
	}
	return 0;
}
