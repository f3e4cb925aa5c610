/*
 * sim/kern/vfs.h — the guest's file system: a read-only view of a host
 * directory (--root DIR) with an in-memory overlay that takes every
 * change (created, written, truncated, renamed, removed files; made and
 * removed directories), a few devices (/dev/null, /dev/zero, /dev/tty:
 * the console; and the devices with memory to map, /dev/fb0 and
 * /dev/mmio, whose drivers are in sim/kern/dev.c), pipes, and the
 * per-process descriptor table.
 *
 * Modelled on the FreeBSD VFS of 2010 in miniature: a file is a vnode whose
 * VM object (vm/vm_object.h) is shared by every mapping, so file pages are
 * paged in through vm_fault and shared like a page cache.  The bytes of a
 * regular file live in vp->data; resident pages of its object may be newer
 * (a MAP_SHARED mapping wrote them), so reads go through the resident pages
 * first and writes update both (vnode_read, vnode_write).  Open file
 * descriptions (struct file) are shared by dup and fork, with a reference
 * count, as in Linux.
 *
 * Everything the guest can observe comes from the file contents and the
 * names only (no host modes, times or inode numbers), so a replay that
 * serves the files back from the trace (vfs->fetch) sees the same thing.
 * Directory listings of the root are recorded too, under the name
 * "DIR/." (see vfs.c).
 */
#ifndef SIM_KERN_VFS_H
#define SIM_KERN_VFS_H

#include "sim/base/base.h"

struct cdev;
struct kern;
struct pipe;
struct proc;
struct vnode;

#define VFS_MAX_NODES	4096	/* names known in one run (files, dirs, removals) */
#define VFS_MAX_FILE	(64u << 20)	/* bytes in one file */
#define VFS_PATH_MAX	256	/* a normalised guest path, with its NUL */
#define PROC_NFILES	64
#define VFS_MAX_CDEVS	8	/* devices with memory (sim/kern/dev.c) */

/*
 * Open flags, numbered as on amd64 (asm-generic/fcntl.h); sys_file.c
 * renumbers the MIPS ones (asm/fcntl.h) on the way in and out.
 */
#define KO_ACCMODE	0x00003	/* O_RDONLY 0, O_WRONLY 1, O_RDWR 2 */
#define KO_RDONLY	0x00000
#define KO_WRONLY	0x00001
#define KO_RDWR		0x00002
#define KO_CREAT	0x00040	/* create if missing */
#define KO_EXCL		0x00080	/* with O_CREAT: fail if it exists */
#define KO_NOCTTY	0x00100	/* accepted, no effect */
#define KO_TRUNC	0x00200	/* truncate a regular file opened for writing */
#define KO_APPEND	0x00400	/* every write goes to the end */
#define KO_NONBLOCK	0x00800	/* pipes: EAGAIN instead of sleeping */
#define KO_LARGEFILE	0x08000	/* accepted, no effect */
#define KO_DIRECTORY	0x10000	/* must be a directory */
#define KO_NOFOLLOW	0x20000	/* accepted (the overlay has no links) */
#define KO_CLOEXEC	0x80000	/* descriptor closed on execve */
/* The flags F_GETFL reports and F_SETFL may change. */
#define KO_STATUS	(KO_ACCMODE | KO_APPEND | KO_NONBLOCK | KO_LARGEFILE)
#define KO_SETTABLE	(KO_APPEND | KO_NONBLOCK)

/* What a name is. */
enum vfs_type {
	VT_NONE,	/* no such name */
	VT_FILE,	/* regular file (a vnode) */
	VT_DIR,		/* directory */
	VT_NULL,	/* /dev/null */
	VT_ZERO,	/* /dev/zero */
	VT_TTY,		/* /dev/tty: the console */
	VT_CDEV,	/* /dev/NAME: a device with memory (struct cdev) */
};

/* A name the VFS knows (cached from the root, or made by the guest). */
struct vfs_node {
	char path[VFS_PATH_MAX];	/* normalised guest path ("/a/b") */
	struct vnode *vp;		/* a regular file (the node's reference) */
	bool dir;			/* a directory */
	bool removed;			/* a whiteout: the root's entry is gone */
	bool host_dir;			/* a directory of the root (listing below) */
	char *listing;			/* host_dir: "d NAME\n"/"f NAME\n" lines, sorted */
	size_t listing_len;
};

struct vfs {
	char *root;		/* host directory, or NULL: only the program */
	struct vfs_node *nodes;	/* nnodes of them (VFS_MAX_NODES at most) */
	int nnodes, capnodes;
	uint32_t umask;		/* XXX: one for the machine, not per process */
	/* Called with the bytes of each file the first time it is read in
	 * (and each root directory listing, named "DIR/."), so the machine
	 * can store it in the trace.  May be NULL. */
	void (*loaded)(void *arg, const char *path, const void *data, size_t len);
	/* The devices with memory, /dev/<si_name> while not removed
	 * (vfs_device_add; freed by vfs_fini). */
	struct cdev *cdevs[VFS_MAX_CDEVS];
	int ncdevs;
	void *loaded_arg;
	/* When set, files come from here instead of the host root (replay
	 * serves them from the trace): 0 with a malloc'ed copy of the bytes,
	 * which the vnode then owns, or -errno. */
	int (*fetch)(void *arg, const char *path, uint8_t **data, size_t *len);
	void *fetch_arg;
};

/* What stat reports (sys_file.c lays it out per ABI). */
struct vfs_stat {
	uint32_t mode;		/* S_IF* | permissions */
	uint64_t ino, size, nlink;
	uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
};

/* An open file description (shared by dup, dup2, fork). */
enum file_type {
	FTYPE_VNODE,	/* a regular file: vp */
	FTYPE_DIR,	/* a directory: path (getdents64, fchdir, *at) */
	FTYPE_CONSOLE,	/* the console: console 0 (reads: EOF), 1 or 2 (writes) */
	FTYPE_NULL,	/* /dev/null */
	FTYPE_ZERO,	/* /dev/zero */
	FTYPE_PIPE,	/* an end of pipe (which one: the access mode) */
	FTYPE_CDEV,	/* a device with memory: cdev (mmap only) */
};

struct file {
	enum file_type type;
	struct vnode *vp;	/* FTYPE_VNODE (one reference) */
	struct pipe *pipe;	/* FTYPE_PIPE */
	struct cdev *cdev;	/* FTYPE_CDEV (the VFS keeps it while files
				   may name it: until vfs_fini) */
	char *path;		/* FTYPE_DIR: normalised path (malloc'ed) */
	int console;		/* FTYPE_CONSOLE: 0 stdin, 1 stdout, 2 stderr */
	uint64_t offset;
	int flags;		/* KO_ACCMODE | KO_APPEND | KO_NONBLOCK ... */
	int refs;		/* descriptors (in every process) naming it */
};

/* ---- the name space ----------------------------------------------------- */

void vfs_init(struct vfs *v, const char *root_or_null);
/* Drop every node (and its file); the processes are gone by then. */
void vfs_fini(struct vfs *v);
/* Make the program visible at guest path (takes a reference on vp). */
int vfs_add(struct vfs *v, const char *path, struct vnode *vp);
/* Look up a guest path (absolute, or relative to /): 0 with a referenced
 * vnode, or -errno (ENOENT, ENAMETOOLONG, EISDIR for a directory or a
 * device, EFBIG beyond VFS_MAX_FILE, ENFILE). */
int vfs_lookup(struct vfs *v, const char *path, struct vnode **out);
/* Read guest path norm (normalised) through v->fetch into a new vnode:
 * 0, or -errno (ENOENT, EFBIG, ENOMEM). */
int vfs_fetch(struct vfs *v, const char *norm, struct vnode **out);

/* "a/./b//../c" -> "/a/c" ('..' stops at '/'): 0, or -ENAMETOOLONG. */
int vfs_normalise(const char *in, char *out, size_t outlen);
/*
 * The normalised path that path names for p: absolute, or relative to
 * dirfd (an open directory, or -100 AT_FDCWD: p->cwd).  0 or -errno
 * (EBADF, ENOTDIR: dirfd is not a directory, ENAMETOOLONG, ENOENT for "").
 */
int vfs_path(struct proc *p, int dirfd, const char *path, char *norm, size_t len);
/* What norm names: a VT_* (VT_NONE: nothing, or -errno for a broken
 * path: ENOTDIR when a component is a file). */
int vfs_type_of(struct vfs *v, const char *norm);
/*
 * Open norm with flags (KO_*) and mode (for O_CREAT, before the umask):
 * 0 with a new file description (refs 1), or -errno: ENOENT, EEXIST
 * (O_CREAT|O_EXCL), EISDIR (a directory for writing), ENOTDIR
 * (O_DIRECTORY on a non-directory, or a file as a path component),
 * ETXTBSY (writing the program's own image), ENFILE, EFBIG, ENOMEM.
 */
int vfs_open(struct vfs *v, const char *norm, int flags, uint32_t mode,
    struct file **out);
int vfs_stat(struct vfs *v, const char *norm, struct vfs_stat *st);
/* Remove a file (not a directory: EISDIR); 0 or -errno. */
int vfs_unlink(struct vfs *v, const char *norm);
/* Make / remove a directory: 0 or -errno (EEXIST, ENOENT, ENOTDIR,
 * ENOTEMPTY, EBUSY for /). */
int vfs_mkdir(struct vfs *v, const char *norm, uint32_t mode);
int vfs_rmdir(struct vfs *v, const char *norm);
/* Rename a file over to (replacing a file there); directories: EXDEV. */
int vfs_rename(struct vfs *v, const char *from, const char *to);
/*
 * The entries of directory norm, sorted by name, "." and ".." first:
 * *names is a malloc'ed array of *n malloc'ed names, types[i] the d_type
 * (4 directory, 8 regular, 2 character device).  0 or -errno.
 */
int vfs_readdir(struct vfs *v, const char *norm, char ***names, uint8_t **types,
    int *n);
void vfs_readdir_free(char **names, uint8_t *types, int n);
/* A stable inode number for a guest path. */
uint64_t vfs_ino(const char *norm);

/* ---- devices with memory (their drivers: sim/kern/dev.c) ---------------- */

/*
 * Make dev appear as /dev/<dev->si_name>.  The VFS owns dev from now on:
 * vfs_fini ends it (dev_pager_cdev_fini) and frees it with free(dev), so
 * the driver allocates it as one block with its own state.  0, or -EEXIST
 * (the name is taken), -ENOSPC (VFS_MAX_CDEVS).
 */
int vfs_device_add(struct vfs *v, struct cdev *dev);
/* The device named name ("fb0"), including a removed one, or NULL. */
struct cdev *vfs_device_find(struct vfs *v, const char *name);
/*
 * Remove the device (FreeBSD destroy_dev): /dev/<name> disappears, a
 * description still open on it gets ENXIO from mmap, mappings made
 * before stay (see vm/device_pager.h); logs EV_DEVICE "remove".  0, or
 * -ENOENT (no such device, or removed already).
 */
int vfs_device_remove(struct vfs *v, const char *name);

/* ---- file contents ------------------------------------------------------ */

/* Copy up to len bytes at off into buf (resident pages of the vnode's
 * object first, then vp->data): the count (0 at or beyond EOF). */
size_t vnode_read(struct vnode *vp, uint64_t off, void *buf, size_t len);
/* Write len bytes at off, growing the file (zeros fill a gap), in the data
 * and in any resident page of its object: len, or -EFBIG, -ENOMEM,
 * -ETXTBSY (not a VFS file: the program image). */
int64_t vnode_write(struct vnode *vp, uint64_t off, const void *buf, size_t len);
/* Set the size (zeros when it grows): 0 or -errno as vnode_write. */
int vnode_truncate(struct vnode *vp, uint64_t size);
/*
 * Copy every resident page of vp's VM object back into the file's bytes
 * (fsync; the VM's msync writes the dirty pages back through vp->putpages,
 * which the VFS sets on its vnodes): a page a mapping wrote is then what a
 * later page-in sees.  NULL vp, a vnode without an object or one the VFS
 * did not make (the program image) is a no-op.  Nothing is lost without
 * it: read(2) looks at resident pages first, and the VFS keeps a reference
 * on the object of every file opened O_RDWR, so written pages stay until
 * the file leaves the name space.
 */
void vnode_write_back(struct vnode *vp);
/* The stat of a file description. */
void file_stat(struct file *f, struct vfs_stat *st);
/* The vnode of f if it is a regular file, else NULL (mmap: ENODEV). */
struct vnode *file_vnode(struct file *f);
/* The device of f if it is a device with memory, else NULL. */
struct cdev *file_cdev(struct file *f);
/* f may be read / written through (its access mode). */
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);

/* ---- descriptions and descriptors --------------------------------------- */

/* A new description of type with flags (refs 1), or NULL. */
struct file *file_alloc(enum file_type type, int flags);
void file_hold(struct file *f);
/* Drop a reference; the last one closes it (vnode, pipe end). */
void file_drop(struct file *f);

/* The descriptor table of a new process: the console on 0-2 (stdin,
 * stdout, stderr); its cwd "/". */
void fd_init(struct proc *p);
/* Fork: child gets parent's descriptors (sharing the descriptions: each
 * gains a reference), close-on-exec flags and cwd.  The child's table
 * must be empty. */
void fd_fork(struct proc *parent, struct proc *child);
/* Execve: close the descriptors marked close-on-exec. */
void fd_exec(struct proc *p);
void fd_close_all(struct proc *p);
/* Install f at the lowest free descriptor >= minfd (the table takes the
 * caller's reference): fd, or -EMFILE (the reference is then dropped). */
int fd_install(struct proc *p, struct file *f, int minfd, bool cloexec);
/* Install a new read-only description of vp (takes the caller's
 * reference on vp): fd, or -EMFILE / -ENOMEM (the reference is dropped). */
int fd_alloc(struct proc *p, struct vnode *vp);
/* The description at fd, or NULL. */
struct file *fd_get(struct proc *p, int fd);
int fd_close(struct proc *p, int fd);
/* dup2/dup3: make newfd name oldfd's description: newfd or -EBADF. */
int fd_dup2(struct proc *p, int oldfd, int newfd, bool cloexec);

/* ---- pipes (pipe.c) ----------------------------------------------------- */

#define PIPE_SIZE	65536	/* bytes a pipe buffers */
#define PIPE_ATOMIC	4096	/* PIPE_BUF: writes up to this size are atomic */

/* A new pipe: *rf reads (O_RDONLY), *wf writes (O_WRONLY), both with
 * flags & KO_NONBLOCK; 0 or -ENOMEM.  k is whom the pipe wakes sleepers
 * through; ino is what fstat reports (the caller makes it unique and
 * deterministic). */
int pipe_create(struct kern *k, int flags, uint64_t ino, struct file **rf,
    struct file **wf);
/*
 * Take up to len bytes (copy is called on the bytes first and they are
 * consumed only if it returns 0, so a bad user buffer loses nothing):
 * the count; 0 at EOF (no writers left); -EAGAIN when empty with a
 * writer (the caller sleeps on pipe_chan_read); -EFAULT.
 */
int64_t pipe_read(struct pipe *pp, size_t len,
    int (*copy)(void *arg, const void *buf, size_t n), void *arg);
/*
 * Append up to len bytes fetched by copy (0 or EFAULT): the count (a
 * short count when the pipe is nearly full; nothing when a write of at
 * most PIPE_ATOMIC bytes does not fit whole), -EAGAIN when nothing could
 * be written (the caller sleeps on pipe_chan_write), -EPIPE with no
 * readers (the caller raises SIGPIPE), -EFAULT.
 */
int64_t pipe_write(struct pipe *pp, size_t len,
    int (*copy)(void *arg, void *buf, size_t n), void *arg);
/* The channels readers and writers sleep on. */
const void *pipe_chan_read(const struct pipe *pp);
const void *pipe_chan_write(const struct pipe *pp);
/* Bytes buffered (FIONREAD, fstat's st_size). */
size_t pipe_bytes(const struct pipe *pp);
/* An end is closed (writer: the write end); frees the pipe after both. */
void pipe_close(struct pipe *pp, bool writer);
/* An inode number for fstat. */
uint64_t pipe_ino(const struct pipe *pp);

#endif
