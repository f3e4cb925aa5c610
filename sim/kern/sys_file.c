/*
 * sim/kern/sys_file.c — the file system calls (see sys.h for the calling
 * convention, vfs.h for the file system): open and create, read and write
 * (files, the console, /dev/null and /dev/zero, pipes), seek, stat in the
 * amd64, o32 stat64 and statx layouts, directories (getdents64, mkdir,
 * rmdir, chdir, getcwd), names (unlink, rename, readlink, access,
 * truncate), descriptors (dup, dup2, dup3, fcntl, pipe, pipe2, close) and
 * ioctl.  Linux semantics as in the man pages of section 2; flags are
 * renumbered for MIPS here (vfs.h numbers them as amd64 does).
 *
 * A read of an empty pipe and a write to a full one sleep: kern_sleep on
 * the pipe's channel and -KERN_ERESTART, so the call runs again when the
 * other end has made progress (kern.h).
 */
#include "sim/kern/malloc.h"
#include "sim/kern/sys.h"
#include "sim/kern/vfs.h"
#include "vm/vm_object.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAT_FDCWD		(-100)
#define LAT_REMOVEDIR		0x200
#define LAT_EMPTY_PATH		0x1000
#define LRENAME_NOREPLACE	1
#define LSIGPIPE		13	/* both ABIs */
#define RW_CHUNK		65536	/* bytes copied per step */
#define RW_MAX			0x7ffff000ull	/* Linux's MAX_RW_COUNT */

/* An int argument (fd, dirfd, flags): the low 32 bits, signed. */
static int
int_arg(uint64_t v)
{
	return (int)(int32_t)v;
}

/* A long / size_t / pointer argument of the ABI's width. */
static uint64_t
ulong_arg(const struct sc_ctx *c, uint64_t v)
{
	return c->word == 4 ? v & 0xffffffffu : v;
}

static int64_t
long_arg(const struct sc_ctx *c, uint64_t v)
{
	return c->word == 4 ? (int64_t)(int32_t)v : (int64_t)v;
}

/* ---- flags -------------------------------------------------------------- */

/* MIPS open flags (asm/fcntl.h) that differ from amd64's, and the KO_ bit. */
static const struct {
	int mips, ko;
} mips_oflags[] = {
	{ 0x0008, KO_APPEND }, { 0x0080, KO_NONBLOCK }, { 0x0100, KO_CREAT },
	{ 0x0200, KO_TRUNC }, { 0x0400, KO_EXCL }, { 0x0800, KO_NOCTTY },
	{ 0x2000, KO_LARGEFILE },
};
#define MIPS_OFLAGS_SAME	(KO_ACCMODE | KO_DIRECTORY | KO_NOFOLLOW | KO_CLOEXEC)

static int
flags_in(const struct sc_ctx *c, int64_t g)
{
	int k;

	if (c->arch == ARCH_AMD64)
		return (int)g;
	k = (int)g & MIPS_OFLAGS_SAME;
	for (size_t i = 0; i < nitems(mips_oflags); i++)
		if (g & mips_oflags[i].mips)
			k |= mips_oflags[i].ko;
	return k;
}

static int64_t
flags_out(const struct sc_ctx *c, int k)
{
	int g;

	if (c->arch == ARCH_AMD64)
		return k;
	g = k & MIPS_OFLAGS_SAME;
	for (size_t i = 0; i < nitems(mips_oflags); i++)
		if (k & mips_oflags[i].ko)
			g |= mips_oflags[i].mips;
	return g;
}

/* ---- paths -------------------------------------------------------------- */

/* Copy in the path at upath and resolve it against dirfd. */
static int
sc_path(struct sc_ctx *c, int dirfd, vm_offset_t upath, char *norm)
{
	char name[VFS_PATH_MAX];
	int e;

	if ((e = copyinstr(c->p, upath, name, sizeof(name))) != 0)
		return -e;
	return vfs_path(c->p, dirfd, name, norm, VFS_PATH_MAX);
}

/* ---- read and write ----------------------------------------------------- */

struct uio {
	struct proc *p;
	vm_offset_t uva;
};

static int
uio_out(void *arg, const void *buf, size_t n)
{
	struct uio *u = arg;

	return copyout(u->p, buf, u->uva, n);
}

static int
uio_in(void *arg, void *buf, size_t n)
{
	struct uio *u = arg;

	return copyin(u->p, u->uva, buf, n);
}

/* Post SIGPIPE to the caller (a write to a pipe without readers). */
static void
sc_sigpipe(struct sc_ctx *c)
{
	kern_psignal(c->k, c->p, LSIGPIPE, NULL);
}

/*
 * Read up to len bytes of f into user memory at uva: from off if pos (the
 * file offset is then left alone), else from the file offset, which
 * advances.  may_block: an empty pipe sleeps (else -EAGAIN).  The count,
 * or -errno, or -KERN_ERESTART.
 */
static int64_t
file_do_read(struct sc_ctx *c, struct file *f, vm_offset_t uva, uint64_t len, bool pos,
    uint64_t off, bool may_block)
{
	uint8_t *tmp;
	uint64_t done = 0;

	if (!file_readable(f))
		return -EBADF;
	len = MIN(len, RW_MAX);
	switch (f->type) {
	case FTYPE_CONSOLE:
		return pos ? -ESPIPE : 0;	/* stdin: empty */
	case FTYPE_NULL:
		return 0;
	case FTYPE_DIR:
		return -EISDIR;
	case FTYPE_CDEV:
		return -EINVAL;		/* XXX: devices with memory: mmap only */
	case FTYPE_PIPE: {
		struct uio u = { c->p, uva };
		int64_t r;

		if (pos)
			return -ESPIPE;
		r = pipe_read(f->pipe, (size_t)len, uio_out, &u);
		if (r == -EAGAIN && may_block && !(f->flags & KO_NONBLOCK)) {
			kern_sleep(c->k, c->td, pipe_chan_read(f->pipe));
			return -KERN_ERESTART;
		}
		return r;
	}
	case FTYPE_ZERO:
	case FTYPE_VNODE:
		break;
	}
	if ((tmp = malloc(RW_CHUNK)) == NULL)
		return -ENOMEM;
	if (!pos)
		off = f->offset;
	while (done < len) {
		size_t want = (size_t)MIN(len - done, RW_CHUNK), n;

		if (f->type == FTYPE_ZERO) {
			memset(tmp, 0, want);
			n = want;
		} else {
			n = vnode_read(f->vp, off + done, tmp, want);
		}
		if (n == 0)
			break;
		/* File data pass through a kernel buffer (malloc(M_FILEBUF)). */
		if (f->type == FTYPE_VNODE && kern_kmem_bounce(c->k, M_FILEBUF, tmp, n) != 0) {
			free(tmp);
			return done == 0 ? -EFAULT : (int64_t)done;
		}
		if (copyout(c->p, tmp, uva + done, n) != 0) {
			free(tmp);
			if (done == 0)
				return -EFAULT;
			break;
		}
		done += n;
		if (n < want)
			break;
	}
	free(tmp);
	if (!pos && f->type == FTYPE_VNODE)
		f->offset = off + done;
	return (int64_t)done;
}

/* Write, as file_do_read reads (O_APPEND: at the end, even with pos). */
static int64_t
file_do_write(struct sc_ctx *c, struct file *f, vm_offset_t uva, uint64_t len, bool pos,
    uint64_t off, bool may_block)
{
	uint8_t *tmp;
	uint64_t done = 0;

	if (!file_writable(f))
		return -EBADF;
	len = MIN(len, RW_MAX);
	switch (f->type) {
	case FTYPE_CONSOLE:
		if (pos)
			return -ESPIPE;
		break;
	case FTYPE_NULL:
	case FTYPE_ZERO:
		return (int64_t)len;
	case FTYPE_DIR:
		return -EISDIR;
	case FTYPE_CDEV:
		return -EINVAL;		/* XXX: devices with memory: mmap only */
	case FTYPE_PIPE: {
		struct uio u = { c->p, uva };
		int64_t r;

		if (pos)
			return -ESPIPE;
		r = pipe_write(f->pipe, (size_t)len, uio_in, &u);
		if (r == -EPIPE)
			sc_sigpipe(c);
		if (r == -EAGAIN && may_block && !(f->flags & KO_NONBLOCK)) {
			kern_sleep(c->k, c->td, pipe_chan_write(f->pipe));
			return -KERN_ERESTART;
		}
		return r;
	}
	case FTYPE_VNODE:
		if (f->flags & KO_APPEND)
			off = f->vp->size;
		else if (!pos)
			off = f->offset;
		break;
	}
	if ((tmp = malloc(RW_CHUNK)) == NULL)
		return -ENOMEM;
	while (done < len) {
		size_t n = (size_t)MIN(len - done, RW_CHUNK);
		int64_t r;

		if (copyin(c->p, uva + done, tmp, n) != 0) {
			free(tmp);
			if (done == 0)
				return -EFAULT;
			break;
		}
		if (f->type == FTYPE_CONSOLE) {
			c->k->hw->console(c->k->hw_arg, f->console == 2 ? 2 : 1, tmp, n);
		} else if ((r = kern_kmem_bounce(c->k, M_FILEBUF, tmp, n) != 0 ? -EFAULT :
		    vnode_write(f->vp, off + done, tmp, n)) < 0) {
			free(tmp);
			if (done == 0)
				return r;
			break;
		}
		done += n;
	}
	free(tmp);
	if (f->type == FTYPE_VNODE && !pos)
		f->offset = off + done;
	return (int64_t)done;
}

static int64_t
sys_read(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));

	if (f == NULL)
		return -EBADF;
	return file_do_read(c, f, ulong_arg(c, a[1]), ulong_arg(c, a[2]), false, 0, true);
}

static int64_t
sys_write(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));

	if (f == NULL)
		return -EBADF;
	/* Teaching knob: a 12 KiB buffer on a 8 KiB kernel stack. */
	if ((c->k->bugs & KERN_BUG_KSTACK_OVERFLOW) &&
	    kern_kstack_use(c->k, NULL, c->td, 12 << 10) != 0)
		return -EFAULT;		/* kernel panic: the machine stops */
	return file_do_write(c, f, ulong_arg(c, a[1]), ulong_arg(c, a[2]), false, 0, true);
}

/* pread64/pwrite64: amd64 (fd, buf, count, off); o32 (fd, buf, count, pad, off). */
static int64_t
sc_pos_arg(struct sc_ctx *c, const uint64_t *a)
{
	return c->arch == ARCH_AMD64 ? (int64_t)a[3] : sc_arg64(c, a, 4);
}

static int64_t
sys_pread64(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	int64_t off = sc_pos_arg(c, a);

	if (f == NULL)
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	return file_do_read(c, f, ulong_arg(c, a[1]), ulong_arg(c, a[2]), true,
	    (uint64_t)off, true);
}

static int64_t
sys_pwrite64(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	int64_t off = sc_pos_arg(c, a);

	if (f == NULL)
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	return file_do_write(c, f, ulong_arg(c, a[1]), ulong_arg(c, a[2]), true,
	    (uint64_t)off, true);
}

/* readv/writev: each iovec in turn; a short or failed step ends the call
 * with what was done (only the first step may sleep). */
static int64_t
sc_rw_vec(struct sc_ctx *c, const uint64_t *a, bool write)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	vm_offset_t iov = ulong_arg(c, a[1]);
	int cnt = int_arg(a[2]);
	int64_t total = 0;

	if (f == NULL)
		return -EBADF;
	if (cnt < 0 || cnt > 1024)
		return -EINVAL;
	for (int i = 0; i < cnt; i++) {
		uint8_t ent[16];
		uint64_t base, len;
		int64_t r;

		if (copyin(c->p, iov + (uint64_t)i * 2 * c->word, ent, 2 * c->word) != 0)
			return total > 0 ? total : -EFAULT;
		base = sc_get_uint(c, ent, c->word);
		len = sc_get_uint(c, ent + c->word, c->word);
		if (len == 0)
			continue;
		r = write ? file_do_write(c, f, base, len, false, 0, total == 0) :
		    file_do_read(c, f, base, len, false, 0, total == 0);
		if (r < 0)
			return total > 0 ? total : r;
		total += r;
		if ((uint64_t)r < len)
			break;
	}
	return total;
}

static int64_t
sys_readv(struct sc_ctx *c, const uint64_t *a)
{
	return sc_rw_vec(c, a, false);
}

static int64_t
sys_writev(struct sc_ctx *c, const uint64_t *a)
{
	return sc_rw_vec(c, a, true);
}

/* ---- seek --------------------------------------------------------------- */

static int64_t
file_lseek(struct file *f, int64_t off, int whence)
{
	int64_t base;

	switch (f->type) {
	case FTYPE_CONSOLE:
	case FTYPE_PIPE:
		return -ESPIPE;
	case FTYPE_NULL:
	case FTYPE_ZERO:
	case FTYPE_CDEV:
		return 0;
	case FTYPE_DIR:
	case FTYPE_VNODE:
		break;
	}
	switch (whence) {
	case 0:			/* SEEK_SET */
		base = 0;
		break;
	case 1:			/* SEEK_CUR */
		base = (int64_t)f->offset;
		break;
	case 2:			/* SEEK_END */
		if (f->type == FTYPE_DIR)
			return -EINVAL;
		base = (int64_t)f->vp->size;
		break;
	case 3:			/* SEEK_DATA: all data, no holes */
	case 4:			/* SEEK_HOLE: the end */
		if (f->type == FTYPE_DIR)
			return -EINVAL;
		if (off < 0 || (uint64_t)off >= f->vp->size)
			return -ENXIO;
		f->offset = whence == 3 ? (uint64_t)off : f->vp->size;
		return (int64_t)f->offset;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->offset = (uint64_t)(base + off);
	return (int64_t)f->offset;
}

static int64_t
sys_lseek(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	int64_t r;

	if (f == NULL)
		return -EBADF;
	r = file_lseek(f, long_arg(c, a[1]), int_arg(a[2]));
	/* o32: an offset beyond 2 GiB does not fit the result. */
	if (c->word == 4 && r > INT32_MAX)
		return -EOVERFLOW;
	return r;
}

/* o32 _llseek(fd, off_hi, off_lo, loff_t *result, whence) */
static int64_t
sys_llseek(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	int64_t r;

	if (f == NULL)
		return -EBADF;
	r = file_lseek(f, (int64_t)((a[1] & 0xffffffffu) << 32 | (a[2] & 0xffffffffu)),
	    int_arg(a[4]));
	if (r < 0)
		return r;
	return sc_copyout_uint(c, ulong_arg(c, a[3]), (uint64_t)r, 8) ? -EFAULT : 0;
}

/* ---- open and close ----------------------------------------------------- */

static int64_t
sc_open(struct sc_ctx *c, int dirfd, vm_offset_t upath, int64_t gflags, uint64_t mode)
{
	char norm[VFS_PATH_MAX];
	struct file *f;
	int flags = flags_in(c, gflags), e;

	if ((e = sc_path(c, dirfd, upath, norm)) != 0)
		return e;
	if ((e = vfs_open(&c->k->vfs, norm, flags, (uint32_t)mode, &f)) != 0)
		return e;
	return fd_install(c->p, f, 0, (flags & KO_CLOEXEC) != 0);
}

static int64_t
sys_open(struct sc_ctx *c, const uint64_t *a)
{
	return sc_open(c, LAT_FDCWD, ulong_arg(c, a[0]), int_arg(a[1]), a[2]);
}

static int64_t
sys_openat(struct sc_ctx *c, const uint64_t *a)
{
	return sc_open(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]), a[3]);
}

static int64_t
sys_close(struct sc_ctx *c, const uint64_t *a)
{
	return fd_close(c->p, int_arg(a[0]));
}

/* ---- descriptors -------------------------------------------------------- */

static int64_t
sys_dup(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));

	if (f == NULL)
		return -EBADF;
	file_hold(f);
	return fd_install(c->p, f, 0, false);
}

static int64_t
sys_dup2(struct sc_ctx *c, const uint64_t *a)
{
	int oldfd = int_arg(a[0]), newfd = int_arg(a[1]);

	if (oldfd == newfd)
		return fd_get(c->p, oldfd) != NULL ? newfd : -EBADF;
	return fd_dup2(c->p, oldfd, newfd, false);
}

static int64_t
sys_dup3(struct sc_ctx *c, const uint64_t *a)
{
	int oldfd = int_arg(a[0]), newfd = int_arg(a[1]);
	int flags = flags_in(c, int_arg(a[2]));

	if ((flags & ~KO_CLOEXEC) != 0 || oldfd == newfd)
		return -EINVAL;
	return fd_dup2(c->p, oldfd, newfd, (flags & KO_CLOEXEC) != 0);
}

#define LF_DUPFD		0
#define LF_GETFD		1
#define LF_SETFD		2
#define LF_GETFL		3
#define LF_SETFL		4
#define LF_SETLK		6
#define LF_SETLKW		7
#define LF_OFD_GETLK		36
#define LF_OFD_SETLK		37
#define LF_OFD_SETLKW		38
#define LF_SETPIPE_SZ		1031
#define LF_GETPIPE_SZ		1032
#define LF_DUPFD_CLOEXEC	1030
#define LFD_CLOEXEC		1
#define LF_UNLCK		2

static int64_t
sys_fcntl(struct sc_ctx *c, const uint64_t *a)
{
	int fd = int_arg(a[0]), cmd = int_arg(a[1]);
	struct file *f = fd_get(c->p, fd);
	int getlk = c->arch == ARCH_AMD64 ? 5 : 14;

	if (f == NULL)
		return -EBADF;
	switch (cmd) {
	case LF_DUPFD:
	case LF_DUPFD_CLOEXEC: {
		int min = int_arg(a[2]);

		if (min < 0 || min >= PROC_NFILES)
			return -EINVAL;
		file_hold(f);
		return fd_install(c->p, f, min, cmd == LF_DUPFD_CLOEXEC);
	}
	case LF_GETFD:
		return c->p->fd_cloexec[fd] ? LFD_CLOEXEC : 0;
	case LF_SETFD:
		c->p->fd_cloexec[fd] = (a[2] & LFD_CLOEXEC) != 0;
		return 0;
	case LF_GETFL:
		return flags_out(c, f->flags);
	case LF_SETFL:
		f->flags = (f->flags & ~KO_SETTABLE) | (flags_in(c, int_arg(a[2])) & KO_SETTABLE);
		return 0;
	case LF_SETLK: case LF_SETLKW: case LF_OFD_SETLK: case LF_OFD_SETLKW:
		return 0;	/* XXX: no locks (one machine, locks always granted) */
	case LF_OFD_GETLK:
		/* l_type (the first short of struct flock) := F_UNLCK */
		return sc_copyout_uint(c, ulong_arg(c, a[2]), LF_UNLCK, 2) ? -EFAULT : 0;
	case LF_GETPIPE_SZ:
	case LF_SETPIPE_SZ:
		return f->type == FTYPE_PIPE ? PIPE_SIZE : -EBADF;
	default:
		if (cmd == getlk || (c->arch != ARCH_AMD64 && cmd == 33))	/* F_GETLK64 */
			return sc_copyout_uint(c, ulong_arg(c, a[2]), LF_UNLCK, 2) ?
			    -EFAULT : 0;
		if (c->arch != ARCH_AMD64 && (cmd == 34 || cmd == 35))	/* F_SETLK(W)64 */
			return 0;
		return -EINVAL;
	}
}

/* pipe2(fds, flags), and amd64 pipe(fds); o32 pipe() returns the second
 * descriptor in v1. */
static int64_t
sc_pipe(struct sc_ctx *c, vm_offset_t ufds, int flags, bool o32_regs)
{
	struct file *r, *w;
	bool cloexec = (flags & KO_CLOEXEC) != 0;
	uint64_t ino;
	uint8_t b[8];
	int fd0, fd1, e;

	if (flags & ~(KO_CLOEXEC | KO_NONBLOCK))
		return -EINVAL;
	/* An inode number unique in the run and the same in every run. */
	ino = 0x40000000ull + ((uint64_t)c->p->pid << 20) + (c->p->nsyscalls & 0xfffff);
	if ((e = pipe_create(c->k, flags, ino, &r, &w)) != 0)
		return e;
	if ((fd0 = fd_install(c->p, r, 0, cloexec)) < 0) {
		file_drop(w);
		return fd0;
	}
	if ((fd1 = fd_install(c->p, w, 0, cloexec)) < 0) {
		fd_close(c->p, fd0);
		return fd1;
	}
	if (o32_regs) {
		c->k->hw->reg_set(c->k->hw_arg, c->td, GREG_MIPS_V1, (uint64_t)fd1);
		return fd0;
	}
	sc_put_uint(c, b, (uint64_t)fd0, 4);
	sc_put_uint(c, b + 4, (uint64_t)fd1, 4);
	if (copyout(c->p, b, ufds, 8) != 0) {
		fd_close(c->p, fd0);
		fd_close(c->p, fd1);
		return -EFAULT;
	}
	return 0;
}

static int64_t
sys_pipe(struct sc_ctx *c, const uint64_t *a)
{
	return sc_pipe(c, ulong_arg(c, a[0]), 0, c->arch != ARCH_AMD64);
}

static int64_t
sys_pipe2(struct sc_ctx *c, const uint64_t *a)
{
	return sc_pipe(c, ulong_arg(c, a[0]), flags_in(c, int_arg(a[1])), false);
}

#define LFIONREAD_AMD64	0x541b
#define LFIONREAD_MIPS	0x467f

static int64_t
sys_ioctl(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	uint64_t req = a[1] & 0xffffffffu;
	uint64_t n;

	if (f == NULL)
		return -EBADF;
	if (req == (c->arch == ARCH_AMD64 ? LFIONREAD_AMD64 : LFIONREAD_MIPS)) {
		if (f->type == FTYPE_PIPE)
			n = pipe_bytes(f->pipe);
		else if (f->type == FTYPE_VNODE)
			n = f->offset < f->vp->size ? f->vp->size - f->offset : 0;
		else
			return -ENOTTY;
		return sc_copyout_uint(c, ulong_arg(c, a[2]), MIN(n, INT32_MAX), 4) ?
		    -EFAULT : 0;
	}
	/* Nothing is a terminal, the console included (TCGETS: ENOTTY), so
	 * the guest's stdio buffers the same whatever the host's stdout is. */
	return -ENOTTY;
}

/* ---- stat --------------------------------------------------------------- */

#define LS_IFMT		0170000
#define LS_IFREG	0100000

/* The stat of path at dirfd; "" with AT_EMPTY_PATH: dirfd itself. */
static int
sc_stat(struct sc_ctx *c, int dirfd, vm_offset_t upath, int atflags, struct vfs_stat *st)
{
	char name[VFS_PATH_MAX], norm[VFS_PATH_MAX];
	int e;

	name[0] = '\0';
	if (upath != 0 && (e = copyinstr(c->p, upath, name, sizeof(name))) != 0)
		return -e;
	if (name[0] == '\0') {
		struct file *f;

		if (!(atflags & LAT_EMPTY_PATH))
			return -ENOENT;
		if (dirfd == LAT_FDCWD)
			return vfs_stat(&c->k->vfs, c->p->cwd[0] ? c->p->cwd : "/", st);
		if ((f = fd_get(c->p, dirfd)) == NULL)
			return -EBADF;
		file_stat(f, st);
		return 0;
	}
	if ((e = vfs_path(c->p, dirfd, name, norm, sizeof(norm))) != 0)
		return e;
	return vfs_stat(&c->k->vfs, norm, st);
}

static int
sc_fstat(struct sc_ctx *c, int fd, struct vfs_stat *st)
{
	struct file *f = fd_get(c->p, fd);

	if (f == NULL)
		return -EBADF;
	file_stat(f, st);
	return 0;
}

static uint64_t
dev_encode(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/* amd64 struct stat (144 bytes). */
static int64_t
put_stat_amd64(struct sc_ctx *c, vm_offset_t buf, const struct vfs_stat *st)
{
	uint8_t s[144];

	memset(s, 0, sizeof(s));
	sc_put_uint(c, s + 0, dev_encode(st->dev_major, st->dev_minor), 8);	/* st_dev */
	sc_put_uint(c, s + 8, st->ino, 8);			/* st_ino */
	sc_put_uint(c, s + 16, st->nlink, 8);			/* st_nlink */
	sc_put_uint(c, s + 24, st->mode, 4);			/* st_mode */
	sc_put_uint(c, s + 28, c->p->uid, 4);			/* st_uid */
	sc_put_uint(c, s + 32, c->p->gid, 4);			/* st_gid */
	sc_put_uint(c, s + 40, dev_encode(st->rdev_major, st->rdev_minor), 8);	/* st_rdev */
	sc_put_uint(c, s + 48, st->size, 8);			/* st_size */
	sc_put_uint(c, s + 56, 4096, 8);			/* st_blksize */
	sc_put_uint(c, s + 64, (st->size + 511) / 512, 8);	/* st_blocks */
	return copyout(c->p, s, buf, sizeof(s)) ? -EFAULT : 0;
}

/* MIPS o32 struct stat64 (104 bytes, arch/mips/include/uapi/asm/stat.h). */
static int64_t
put_stat64_o32(struct sc_ctx *c, vm_offset_t buf, const struct vfs_stat *st)
{
	uint8_t s[104];

	memset(s, 0, sizeof(s));
	sc_put_uint(c, s + 0, dev_encode(st->dev_major, st->dev_minor), 4);	/* st_dev */
	sc_put_uint(c, s + 16, st->ino, 8);			/* st_ino */
	sc_put_uint(c, s + 24, st->mode, 4);			/* st_mode */
	sc_put_uint(c, s + 28, st->nlink, 4);			/* st_nlink */
	sc_put_uint(c, s + 32, c->p->uid, 4);			/* st_uid */
	sc_put_uint(c, s + 36, c->p->gid, 4);			/* st_gid */
	sc_put_uint(c, s + 40, dev_encode(st->rdev_major, st->rdev_minor), 4);	/* st_rdev */
	sc_put_uint(c, s + 56, st->size, 8);			/* st_size */
	sc_put_uint(c, s + 88, 4096, 4);			/* st_blksize */
	sc_put_uint(c, s + 96, (st->size + 511) / 512, 8);	/* st_blocks */
	return copyout(c->p, s, buf, sizeof(s)) ? -EFAULT : 0;
}

/* struct statx (256 bytes, the same on every ABI). */
static int64_t
put_statx(struct sc_ctx *c, vm_offset_t buf, const struct vfs_stat *st)
{
	uint8_t s[256];

	memset(s, 0, sizeof(s));
	sc_put_uint(c, s + 0x00, 0x7ff, 4);		/* stx_mask: basic stats */
	sc_put_uint(c, s + 0x04, 4096, 4);		/* stx_blksize */
	sc_put_uint(c, s + 0x10, st->nlink, 4);		/* stx_nlink */
	sc_put_uint(c, s + 0x14, c->p->uid, 4);		/* stx_uid */
	sc_put_uint(c, s + 0x18, c->p->gid, 4);		/* stx_gid */
	sc_put_uint(c, s + 0x1c, st->mode, 2);		/* stx_mode */
	sc_put_uint(c, s + 0x20, st->ino, 8);		/* stx_ino */
	sc_put_uint(c, s + 0x28, st->size, 8);		/* stx_size */
	sc_put_uint(c, s + 0x30, (st->size + 511) / 512, 8);	/* stx_blocks */
	sc_put_uint(c, s + 0x80, st->rdev_major, 4);	/* stx_rdev_major */
	sc_put_uint(c, s + 0x84, st->rdev_minor, 4);	/* stx_rdev_minor */
	sc_put_uint(c, s + 0x88, st->dev_major, 4);	/* stx_dev_major */
	sc_put_uint(c, s + 0x8c, st->dev_minor, 4);	/* stx_dev_minor */
	return copyout(c->p, s, buf, sizeof(s)) ? -EFAULT : 0;
}

static int64_t
put_stat(struct sc_ctx *c, vm_offset_t buf, const struct vfs_stat *st)
{
	return c->arch == ARCH_AMD64 ? put_stat_amd64(c, buf, st) :
	    put_stat64_o32(c, buf, st);
}

/* stat, lstat (amd64) and stat64, lstat64 (o32): (path, buf). */
static int64_t
sys_stat(struct sc_ctx *c, const uint64_t *a)
{
	struct vfs_stat st;
	int e = sc_stat(c, LAT_FDCWD, ulong_arg(c, a[0]), 0, &st);

	return e != 0 ? e : put_stat(c, ulong_arg(c, a[1]), &st);
}

/* fstat (amd64) and fstat64 (o32): (fd, buf). */
static int64_t
sys_fstat(struct sc_ctx *c, const uint64_t *a)
{
	struct vfs_stat st;
	int e = sc_fstat(c, int_arg(a[0]), &st);

	return e != 0 ? e : put_stat(c, ulong_arg(c, a[1]), &st);
}

/* newfstatat (amd64), fstatat64 (o32): (dirfd, path, buf, flags). */
static int64_t
sys_fstatat(struct sc_ctx *c, const uint64_t *a)
{
	struct vfs_stat st;
	int e = sc_stat(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[3]), &st);

	return e != 0 ? e : put_stat(c, ulong_arg(c, a[2]), &st);
}

/* statx(dirfd, path, flags, mask, buf) */
static int64_t
sys_statx(struct sc_ctx *c, const uint64_t *a)
{
	struct vfs_stat st;
	int e = sc_stat(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]), &st);

	return e != 0 ? e : put_statx(c, ulong_arg(c, a[4]), &st);
}

/* ---- names -------------------------------------------------------------- */

/* faccessat2(dirfd, path, mode, flags); uid 0 may do anything but run a
 * file without an execute bit. */
static int64_t
sc_access(struct sc_ctx *c, int dirfd, vm_offset_t upath, int mode, int flags)
{
	struct vfs_stat st;
	int e;

	if (mode & ~7)
		return -EINVAL;
	if ((e = sc_stat(c, dirfd, upath, flags, &st)) != 0)
		return e;
	if ((mode & 1) && (st.mode & LS_IFMT) == LS_IFREG && !(st.mode & 0111))
		return -EACCES;
	return 0;
}

static int64_t
sys_access(struct sc_ctx *c, const uint64_t *a)
{
	return sc_access(c, LAT_FDCWD, ulong_arg(c, a[0]), int_arg(a[1]), 0);
}

static int64_t
sys_faccessat(struct sc_ctx *c, const uint64_t *a)
{
	return sc_access(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]), 0);
}

static int64_t
sys_faccessat2(struct sc_ctx *c, const uint64_t *a)
{
	return sc_access(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]), int_arg(a[3]));
}

static int64_t
sc_readlink(struct sc_ctx *c, int dirfd, vm_offset_t upath, vm_offset_t buf, int64_t size)
{
	char norm[VFS_PATH_MAX];
	size_t n;
	int e, t;

	if (size <= 0)
		return -EINVAL;
	if ((e = sc_path(c, dirfd, upath, norm)) != 0)
		return e;
	if (strcmp(norm, "/proc/self/exe") == 0) {
		n = MIN(strlen(c->p->path), (size_t)size);
		return copyout(c->p, c->p->path, buf, n) ? -EFAULT : (int64_t)n;
	}
	t = vfs_type_of(&c->k->vfs, norm);
	if (t < 0)
		return t;
	return t == VT_NONE ? -ENOENT : -EINVAL;	/* there are no links */
}

static int64_t
sys_readlink(struct sc_ctx *c, const uint64_t *a)
{
	return sc_readlink(c, LAT_FDCWD, ulong_arg(c, a[0]), ulong_arg(c, a[1]),
	    long_arg(c, a[2]));
}

static int64_t
sys_readlinkat(struct sc_ctx *c, const uint64_t *a)
{
	return sc_readlink(c, int_arg(a[0]), ulong_arg(c, a[1]), ulong_arg(c, a[2]),
	    long_arg(c, a[3]));
}

static int64_t
sc_unlink(struct sc_ctx *c, int dirfd, vm_offset_t upath, int flags)
{
	char norm[VFS_PATH_MAX];
	int e;

	if (flags & ~LAT_REMOVEDIR)
		return -EINVAL;
	if ((e = sc_path(c, dirfd, upath, norm)) != 0)
		return e;
	return flags & LAT_REMOVEDIR ? vfs_rmdir(&c->k->vfs, norm) :
	    vfs_unlink(&c->k->vfs, norm);
}

static int64_t
sys_unlink(struct sc_ctx *c, const uint64_t *a)
{
	return sc_unlink(c, LAT_FDCWD, ulong_arg(c, a[0]), 0);
}

static int64_t
sys_unlinkat(struct sc_ctx *c, const uint64_t *a)
{
	return sc_unlink(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]));
}

static int64_t
sys_rmdir(struct sc_ctx *c, const uint64_t *a)
{
	return sc_unlink(c, LAT_FDCWD, ulong_arg(c, a[0]), LAT_REMOVEDIR);
}

static int64_t
sc_mkdir(struct sc_ctx *c, int dirfd, vm_offset_t upath, uint64_t mode)
{
	char norm[VFS_PATH_MAX];
	int e;

	if ((e = sc_path(c, dirfd, upath, norm)) != 0)
		return e;
	return vfs_mkdir(&c->k->vfs, norm, (uint32_t)mode);
}

static int64_t
sys_mkdir(struct sc_ctx *c, const uint64_t *a)
{
	return sc_mkdir(c, LAT_FDCWD, ulong_arg(c, a[0]), a[1]);
}

static int64_t
sys_mkdirat(struct sc_ctx *c, const uint64_t *a)
{
	return sc_mkdir(c, int_arg(a[0]), ulong_arg(c, a[1]), a[2]);
}

static int64_t
sc_rename(struct sc_ctx *c, int olddirfd, vm_offset_t oldp, int newdirfd,
    vm_offset_t newp, int flags)
{
	char from[VFS_PATH_MAX], to[VFS_PATH_MAX];
	int e;

	if (flags & ~LRENAME_NOREPLACE)
		return -EINVAL;
	if ((e = sc_path(c, olddirfd, oldp, from)) != 0 ||
	    (e = sc_path(c, newdirfd, newp, to)) != 0)
		return e;
	if ((flags & LRENAME_NOREPLACE) && (e = vfs_type_of(&c->k->vfs, to)) != VT_NONE)
		return e < 0 ? e : -EEXIST;
	return vfs_rename(&c->k->vfs, from, to);
}

static int64_t
sys_rename(struct sc_ctx *c, const uint64_t *a)
{
	return sc_rename(c, LAT_FDCWD, ulong_arg(c, a[0]), LAT_FDCWD, ulong_arg(c, a[1]), 0);
}

static int64_t
sys_renameat(struct sc_ctx *c, const uint64_t *a)
{
	return sc_rename(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]),
	    ulong_arg(c, a[3]), 0);
}

static int64_t
sys_renameat2(struct sc_ctx *c, const uint64_t *a)
{
	return sc_rename(c, int_arg(a[0]), ulong_arg(c, a[1]), int_arg(a[2]),
	    ulong_arg(c, a[3]), int_arg(a[4]));
}

static int64_t
sc_truncate_path(struct sc_ctx *c, vm_offset_t upath, int64_t len)
{
	char norm[VFS_PATH_MAX];
	struct vnode *vp;
	int e, t;

	if (len < 0)
		return -EINVAL;
	if ((e = sc_path(c, LAT_FDCWD, upath, norm)) != 0)
		return e;
	t = vfs_type_of(&c->k->vfs, norm);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t == VT_DIR)
		return -EISDIR;
	if (t != VT_FILE)
		return -EINVAL;
	if ((e = vfs_lookup(&c->k->vfs, norm, &vp)) != 0)
		return e;
	e = vnode_truncate(vp, (uint64_t)len);
	vrele(vp);
	return e;
}

static int64_t
sc_ftruncate(struct sc_ctx *c, int fd, int64_t len)
{
	struct file *f = fd_get(c->p, fd);

	if (len < 0)
		return -EINVAL;
	if (f == NULL)
		return -EBADF;
	if (f->type != FTYPE_VNODE || !file_writable(f))
		return -EINVAL;
	return vnode_truncate(f->vp, (uint64_t)len);
}

static int64_t
sys_truncate(struct sc_ctx *c, const uint64_t *a)
{
	return sc_truncate_path(c, ulong_arg(c, a[0]), long_arg(c, a[1]));
}

static int64_t
sys_ftruncate(struct sc_ctx *c, const uint64_t *a)
{
	return sc_ftruncate(c, int_arg(a[0]), long_arg(c, a[1]));
}

/* o32 truncate64(path, pad, len) and ftruncate64(fd, pad, len). */
static int64_t
sys_truncate64(struct sc_ctx *c, const uint64_t *a)
{
	return sc_truncate_path(c, ulong_arg(c, a[0]), sc_arg64(c, a, 2));
}

static int64_t
sys_ftruncate64(struct sc_ctx *c, const uint64_t *a)
{
	return sc_ftruncate(c, int_arg(a[0]), sc_arg64(c, a, 2));
}

static int64_t
sys_fsync(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));

	if (f == NULL)
		return -EBADF;
	if (f->type == FTYPE_PIPE || f->type == FTYPE_CONSOLE)
		return -EINVAL;
	vnode_write_back(file_vnode(f));
	return 0;
}

static int64_t
sys_umask(struct sc_ctx *c, const uint64_t *a)
{
	uint32_t old = c->k->vfs.umask;

	c->k->vfs.umask = (uint32_t)a[0] & 0777;
	return old;
}

/* ---- directories -------------------------------------------------------- */

static int64_t
sys_getdents64(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));
	vm_offset_t ubuf = ulong_arg(c, a[1]);
	size_t count = (size_t)MIN(ulong_arg(c, a[2]), (uint64_t)RW_CHUNK), pos = 0;
	char **names;
	uint8_t *types, *buf;
	uint64_t idx;
	int n, e;

	if (f == NULL)
		return -EBADF;
	if (f->type != FTYPE_DIR)
		return -ENOTDIR;
	if ((e = vfs_readdir(&c->k->vfs, f->path, &names, &types, &n)) != 0)
		return e;
	if ((buf = calloc(1, count ? count : 1)) == NULL) {
		vfs_readdir_free(names, types, n);
		return -ENOMEM;
	}
	for (idx = f->offset; idx < (uint64_t)n; idx++) {
		/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name */
		size_t len = strlen(names[idx]);
		size_t reclen = (19 + len + 1 + 7) & ~(size_t)7;
		char child[2 * VFS_PATH_MAX + 2], norm[VFS_PATH_MAX];

		if (pos + reclen > count)
			break;
		snprintf(child, sizeof(child), "%s/%s", f->path, names[idx]);
		if (vfs_normalise(child, norm, sizeof(norm)) != 0)
			snprintf(norm, sizeof(norm), "%s", f->path);
		sc_put_uint(c, buf + pos, vfs_ino(norm), 8);
		sc_put_uint(c, buf + pos + 8, idx + 1, 8);
		sc_put_uint(c, buf + pos + 16, reclen, 2);
		buf[pos + 18] = types[idx];
		memcpy(buf + pos + 19, names[idx], len + 1);
		pos += reclen;
	}
	vfs_readdir_free(names, types, n);
	if (pos == 0 && idx < (uint64_t)n) {
		free(buf);
		return -EINVAL;		/* the buffer holds not even one entry */
	}
	/* The dirents pass through a kernel buffer (malloc(M_TEMP)). */
	if (pos > 0 && ((e = kern_kmem_bounce(c->k, M_TEMP, buf, pos)) != 0 ||
	    copyout(c->p, buf, ubuf, pos) != 0)) {
		free(buf);
		return e != 0 ? -e : -EFAULT;
	}
	free(buf);
	f->offset = idx;
	return (int64_t)pos;
}

static int64_t
sys_getcwd(struct sc_ctx *c, const uint64_t *a)
{
	const char *cwd = c->p->cwd[0] ? c->p->cwd : "/";
	size_t n = strlen(cwd) + 1;

	if (ulong_arg(c, a[1]) < n)
		return -ERANGE;
	return copyout(c->p, cwd, ulong_arg(c, a[0]), n) ? -EFAULT : (int64_t)n;
}

static int64_t
sys_chdir(struct sc_ctx *c, const uint64_t *a)
{
	char norm[VFS_PATH_MAX];
	int e, t;

	if ((e = sc_path(c, LAT_FDCWD, ulong_arg(c, a[0]), norm)) != 0)
		return e;
	t = vfs_type_of(&c->k->vfs, norm);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t != VT_DIR)
		return -ENOTDIR;
	snprintf(c->p->cwd, sizeof(c->p->cwd), "%s", norm);
	return 0;
}

static int64_t
sys_fchdir(struct sc_ctx *c, const uint64_t *a)
{
	struct file *f = fd_get(c->p, int_arg(a[0]));

	if (f == NULL)
		return -EBADF;
	if (f->type != FTYPE_DIR)
		return -ENOTDIR;
	snprintf(c->p->cwd, sizeof(c->p->cwd), "%s", f->path);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

const struct sc_def sys_file_defs[] = {
	{ "read", 0, 4003, sys_read },
	{ "write", 1, 4004, sys_write },
	{ "open", 2, 4005, sys_open },
	{ "close", 3, 4006, sys_close },
	{ "stat", 4, -1, sys_stat },
	{ "fstat", 5, -1, sys_fstat },
	{ "lstat", 6, -1, sys_stat },
	{ "lseek", 8, 4019, sys_lseek },
	{ "_llseek", -1, 4140, sys_llseek },
	{ "ioctl", 16, 4054, sys_ioctl },
	{ "pread64", 17, 4200, sys_pread64 },
	{ "pwrite64", 18, 4201, sys_pwrite64 },
	{ "readv", 19, 4145, sys_readv },
	{ "writev", 20, 4146, sys_writev },
	{ "access", 21, 4033, sys_access },
	{ "pipe", 22, 4042, sys_pipe },
	{ "dup", 32, 4041, sys_dup },
	{ "dup2", 33, 4063, sys_dup2 },
	{ "fcntl", 72, 4055, sys_fcntl },
	{ "fcntl64", -1, 4220, sys_fcntl },
	{ "fsync", 74, 4118, sys_fsync },
	{ "fdatasync", 75, 4152, sys_fsync },
	{ "truncate", 76, 4092, sys_truncate },
	{ "ftruncate", 77, 4093, sys_ftruncate },
	{ "truncate64", -1, 4211, sys_truncate64 },
	{ "ftruncate64", -1, 4212, sys_ftruncate64 },
	{ "getcwd", 79, 4203, sys_getcwd },
	{ "chdir", 80, 4012, sys_chdir },
	{ "fchdir", 81, 4133, sys_fchdir },
	{ "rename", 82, 4038, sys_rename },
	{ "mkdir", 83, 4039, sys_mkdir },
	{ "rmdir", 84, 4040, sys_rmdir },
	{ "unlink", 87, 4010, sys_unlink },
	{ "readlink", 89, 4085, sys_readlink },
	{ "umask", 95, 4060, sys_umask },
	{ "stat64", -1, 4213, sys_stat },
	{ "lstat64", -1, 4214, sys_stat },
	{ "fstat64", -1, 4215, sys_fstat },
	{ "getdents64", 217, 4219, sys_getdents64 },
	{ "openat", 257, 4288, sys_openat },
	{ "mkdirat", 258, 4289, sys_mkdirat },
	{ "newfstatat", 262, -1, sys_fstatat },
	{ "fstatat64", -1, 4293, sys_fstatat },
	{ "unlinkat", 263, 4294, sys_unlinkat },
	{ "renameat", 264, 4295, sys_renameat },
	{ "readlinkat", 267, 4298, sys_readlinkat },
	{ "faccessat", 269, 4300, sys_faccessat },
	{ "dup3", 292, 4327, sys_dup3 },
	{ "pipe2", 293, 4328, sys_pipe2 },
	{ "renameat2", 316, 4351, sys_renameat2 },
	{ "statx", 332, 4366, sys_statx },
	{ "faccessat2", 439, 4439, sys_faccessat2 },
};
const size_t sys_file_ndefs = nitems(sys_file_defs);
