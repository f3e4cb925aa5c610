/*
 * syscall.h - raw Linux system call interface of the vmsim guest runtime.
 *
 * Supported ABIs: MIPS o32 (big and little endian) and x86-64.
 * Every wrapper returns the raw kernel result: a negative errno on error
 * (e.g. -14 for EFAULT), never sets errno.  mmap() returns the raw value
 * cast to a pointer; test it with SYS_IS_ERR().
 */
#ifndef GUEST_RT_SYSCALL_H
#define GUEST_RT_SYSCALL_H

#if defined(__mips__)
#define __NR_read        4003
#define __NR_write       4004
#define __NR_getpid      4020
#define __NR_brk         4045
#define __NR_mmap        4090   /* unused: mmap() uses mmap2, like glibc */
#define __NR_munmap      4091
#define __NR_mprotect    4125
#define __NR_cacheflush  4147
#define __NR_mmap2       4210   /* offset in 4096-byte units */
#define __NR_exit_group  4246
#define __NR_fork        4002
#define __NR_execve      4011
#define __NR_pause       4029
#define __NR_kill        4037
#define __NR_getppid     4064
#define __NR_wait4       4114
#define __NR_sched_yield 4162
#define __NR_rt_sigreturn   4193
#define __NR_rt_sigaction   4194
#define __NR_rt_sigprocmask 4195
#define __NR_rt_sigpending  4196
#define MAP_ANONYMOUS    0x800  /* differs from x86! */
/* Signals that differ from x86-64 (the classic 1-15 agree). */
#define SIGBUS   10
#define SIGUSR1  16
#define SIGUSR2  17
#define SIGCHLD  18
#define SA_SIGINFO  0x8
#define SIG_BLOCK   1
#define SIG_UNBLOCK 2
#define SIG_SETMASK 3
#elif defined(__x86_64__)
#define __NR_read        0
#define __NR_write       1
#define __NR_mmap        9
#define __NR_mprotect    10
#define __NR_munmap      11
#define __NR_brk         12
#define __NR_getpid      39
#define __NR_exit_group  231
#define __NR_rt_sigaction   13
#define __NR_rt_sigprocmask 14
#define __NR_rt_sigreturn   15
#define __NR_sched_yield 24
#define __NR_pause       34
#define __NR_fork        57
#define __NR_execve      59
#define __NR_wait4       61
#define __NR_kill        62
#define __NR_getppid     110
#define __NR_rt_sigpending  127
#define MAP_ANONYMOUS    0x20
#define SIGBUS   7
#define SIGUSR1  10
#define SIGUSR2  12
#define SIGCHLD  17
#define SA_SIGINFO  0x4
#define SA_RESTORER 0x04000000
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#else
#error "guest runtime: unsupported architecture"
#endif

#define PROT_NONE   0
#define PROT_READ   1
#define PROT_WRITE  2
#define PROT_EXEC   4
#define MAP_SHARED  0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED   0x10

/* MIPS cacheflush() cache selector */
#define ICACHE 1
#define DCACHE 2
#define BCACHE 3

#define EFAULT 14
#define EINVAL 22
#define ECHILD 10

/* Signals numbered alike on both ABIs. */
#define SIGKILL  9
#define SIGSEGV  11
#define SIGTERM  15
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SIG_DFL  ((void (*)(int))0)
#define SIG_IGN  ((void (*)(int))1)
#define WNOHANG  1

/* si_code of faults */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

/* The kernel's siginfo: only the fields the runtime's users read. */
struct ksiginfo {
	int si_signo;
#if defined(__mips__)
	int si_code;
	int si_errno;
#else
	int si_errno;
	int si_code;
	int __pad;
#endif
	union {
		void *si_addr;			/* SIGSEGV, SIGBUS */
		struct { int pid, uid, status; } kill;	/* kill, SIGCHLD */
		char __size[128 - 16];
	} u;
};

/* True if a raw syscall result (long or pointer) is a -errno value. */
#define SYS_IS_ERR(x) ((unsigned long)(x) >= (unsigned long)-4095)

long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6);

long read(int fd, void *buf, unsigned long count);
long write(int fd, const void *buf, unsigned long count);
void *mmap(void *addr, unsigned long len, int prot, int flags, int fd, long off);
long munmap(void *addr, unsigned long len);
long mprotect(void *addr, unsigned long len, int prot);
long brk(void *addr);     /* returns the new (or current) break */
long getpid(void);
long cacheflush(void *addr, unsigned long nbytes, int cache); /* no-op on x86-64 */
/* Processes and signals (raw results: the pid, 0, or -errno). */
long fork(void);
long execve(const char *path, char *const argv[], char *const envp[]);
long wait4(long pid, int *status, int options, void *rusage);
long kill(long pid, int sig);
long getppid(void);
long sched_yield(void);
long pause(void);
/* sigaction with a handler of (sig) or, with SA_SIGINFO, (sig, info,
 * ucontext); the runtime supplies the amd64 restorer.  Masks are the
 * first 64 signals (bit sig - 1). */
long sigaction_raw(int sig, void *handler, unsigned long flags,
		   unsigned long long mask, void **oldhandler);
long sigprocmask_raw(int how, unsigned long long set, unsigned long long *old);
long sigpending_raw(unsigned long long *set);
__attribute__((noreturn)) void exit_group(int status);

#endif
