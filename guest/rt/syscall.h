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
#define MAP_ANONYMOUS    0x800  /* differs from x86! */
#elif defined(__x86_64__)
#define __NR_read        0
#define __NR_write       1
#define __NR_mmap        9
#define __NR_mprotect    10
#define __NR_munmap      11
#define __NR_brk         12
#define __NR_getpid      39
#define __NR_exit_group  231
#define MAP_ANONYMOUS    0x20
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
__attribute__((noreturn)) void exit_group(int status);

#endif
