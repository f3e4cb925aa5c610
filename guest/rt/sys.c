/*
 * sys.c - Linux system call wrappers of the vmsim guest runtime.
 *
 * syscall6() is the only place with inline assembly; every wrapper goes
 * through it (unused arguments are passed as 0).
 *
 * MIPS o32: number in $v0, args 1-4 in $a0-$a3, args 5-6 on the stack at
 *   16($sp) and 20($sp) (the 16-byte o32 argument save area sits below
 *   them).  Result in $v0; $a3 != 0 means $v0 holds a positive errno.
 * x86-64: number in rax, args in rdi rsi rdx r10 r8 r9; the kernel
 *   clobbers rcx and r11 and returns -errno in rax.
 */
#include "syscall.h"

#if defined(__mips__)
long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long v0 __asm__("$2") = n;
	register long a0r __asm__("$4") = a1;
	register long a1r __asm__("$5") = a2;
	register long a2r __asm__("$6") = a3;
	register long a3r __asm__("$7") = a4;

	__asm__ volatile(
		"addiu $sp, $sp, -32\n\t"
		"sw    %5, 16($sp)\n\t"
		"sw    %6, 20($sp)\n\t"
		"syscall\n\t"
		"addiu $sp, $sp, 32"
		: "+r"(v0), "+r"(a3r), "+r"(a0r), "+r"(a1r), "+r"(a2r)
		: "r"(a5), "r"(a6)
		: "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14",
		  "$15", "$24", "$25", "hi", "lo", "memory");
	return a3r ? -v0 : v0;
}
#elif defined(__x86_64__)
long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
		: "=a"(ret)
		: "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
		: "rcx", "r11", "memory");
	return ret;
}
#endif

long read(int fd, void *buf, unsigned long count)
{
	return syscall6(__NR_read, fd, (long)buf, (long)count, 0, 0, 0);
}

long write(int fd, const void *buf, unsigned long count)
{
	return syscall6(__NR_write, fd, (long)buf, (long)count, 0, 0, 0);
}

/* On MIPS this is mmap2 (offset in 4096-byte units), as glibc uses. */
void *mmap(void *addr, unsigned long len, int prot, int flags, int fd, long off)
{
#if defined(__mips__)
	if (off & 4095)
		return (void *)(long)-EINVAL;
	return (void *)syscall6(__NR_mmap2, (long)addr, (long)len, prot, flags,
				fd, (long)((unsigned long)off >> 12));
#else
	return (void *)syscall6(__NR_mmap, (long)addr, (long)len, prot, flags,
				fd, off);
#endif
}

long munmap(void *addr, unsigned long len)
{
	return syscall6(__NR_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

long mprotect(void *addr, unsigned long len, int prot)
{
	return syscall6(__NR_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

long brk(void *addr)
{
	return syscall6(__NR_brk, (long)addr, 0, 0, 0, 0, 0);
}

long getpid(void)
{
	return syscall6(__NR_getpid, 0, 0, 0, 0, 0, 0);
}

long cacheflush(void *addr, unsigned long nbytes, int cache)
{
#if defined(__mips__)
	return syscall6(__NR_cacheflush, (long)addr, (long)nbytes, cache,
			0, 0, 0);
#else
	(void)addr; (void)nbytes; (void)cache;
	return 0;       /* x86 keeps I- and D-caches coherent */
#endif
}

void exit_group(int status)
{
	for (;;)
		syscall6(__NR_exit_group, status, 0, 0, 0, 0, 0);
}

long fork(void)
{
	return syscall6(__NR_fork, 0, 0, 0, 0, 0, 0);
}

long execve(const char *path, char *const argv[], char *const envp[])
{
	return syscall6(__NR_execve, (long)path, (long)argv, (long)envp, 0, 0, 0);
}

long wait4(long pid, int *status, int options, void *rusage)
{
	return syscall6(__NR_wait4, pid, (long)status, options, (long)rusage, 0, 0);
}

long kill(long pid, int sig)
{
	return syscall6(__NR_kill, pid, sig, 0, 0, 0, 0);
}

long getppid(void)
{
	return syscall6(__NR_getppid, 0, 0, 0, 0, 0, 0);
}

long sched_yield(void)
{
	return syscall6(__NR_sched_yield, 0, 0, 0, 0, 0, 0);
}

long pause(void)
{
	return syscall6(__NR_pause, 0, 0, 0, 0, 0, 0);
}

/* Signal sets as the kernel reads them: amd64 one 64-bit word; MIPS
 * 32-bit words (sigset of 128 bits), first word = signals 1-32. */
static void sigset_put(unsigned int *w, unsigned long long set)
{
	w[0] = (unsigned int)set;
	w[1] = (unsigned int)(set >> 32);
	w[2] = w[3] = 0;
}

static unsigned long long sigset_get(const unsigned int *w)
{
	return (unsigned long long)w[0] | (unsigned long long)w[1] << 32;
}

#if defined(__x86_64__)
/* The handler returns here (SA_RESTORER): rt_sigreturn. */
__asm__(".text\n"
	".globl __rt_restore\n"
	"__rt_restore:\n"
	"	movq $15, %rax\n"
	"	syscall\n"
	"	hlt\n");
extern void __rt_restore(void);

long sigaction_raw(int sig, void *handler, unsigned long flags,
		   unsigned long long mask, void **oldhandler)
{
	struct { void *handler; unsigned long flags; void *restorer; unsigned int mask[4]; }
	    act, oact;
	long r;

	act.handler = handler;
	act.flags = flags | SA_RESTORER;
	act.restorer = (void *)__rt_restore;
	sigset_put(act.mask, mask);
	r = syscall6(__NR_rt_sigaction, sig, (long)&act, (long)&oact, 8, 0, 0);
	if (r == 0 && oldhandler)
		*oldhandler = oact.handler;
	return r;
}
#else
long sigaction_raw(int sig, void *handler, unsigned long flags,
		   unsigned long long mask, void **oldhandler)
{
	/* o32: flags first; the kernel writes the return trampoline. */
	struct { unsigned int flags; void *handler; unsigned int mask[4]; } act, oact;
	long r;

	act.flags = (unsigned int)flags;
	act.handler = handler;
	sigset_put(act.mask, mask);
	r = syscall6(__NR_rt_sigaction, sig, (long)&act, (long)&oact, 16, 0, 0);
	if (r == 0 && oldhandler)
		*oldhandler = oact.handler;
	return r;
}
#endif

long sigprocmask_raw(int how, unsigned long long set, unsigned long long *old)
{
	unsigned int s[4], o[4];
	long r;

	sigset_put(s, set);
#if defined(__mips__)
	r = syscall6(__NR_rt_sigprocmask, how, (long)s, (long)o, 16, 0, 0);
#else
	r = syscall6(__NR_rt_sigprocmask, how, (long)s, (long)o, 8, 0, 0);
#endif
	if (r == 0 && old)
		*old = sigset_get(o);
	return r;
}

long sigpending_raw(unsigned long long *set)
{
	unsigned int s[4];
	long r;

#if defined(__mips__)
	r = syscall6(__NR_rt_sigpending, (long)s, 16, 0, 0, 0, 0);
#else
	r = syscall6(__NR_rt_sigpending, (long)s, 8, 0, 0, 0, 0);
#endif
	if (r == 0)
		*set = sigset_get(s);
	return r;
}
