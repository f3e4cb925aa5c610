/*
 * sim/kern/vfs.c — the guest file system and file descriptors (see vfs.h):
 * a name cache over the read-only host root, the in-memory overlay, file
 * contents kept coherent with the pages of each vnode's VM object, and the
 * descriptor tables (Linux semantics: descriptions shared by dup and fork,
 * close-on-exec per descriptor).
 *
 * The name space is a table of nodes.  A lookup goes: "/" and the devices;
 * the node table (files and directories read from the root or made by the
 * guest, and whiteouts of removed root names); then the root itself, but
 * only inside a directory of the root (host_dir), and only when the parent
 * exists.  A root file is read whole at its first lookup and stays in the
 * table; a root directory's listing is read once and recorded (for replay)
 * as the file "DIR/." with one "d NAME" or "f NAME" line per directory or
 * regular file.  Nothing is ever written to the host.
 *
 * XXX: symbolic links in the root are followed by the host (a link can
 * leave the root); ".." is resolved lexically.
 */
#include "sim/kern/vfs.h"
#include "sim/kern/kern.h"
#include "sim/base/event.h"
#include "vm/device_pager.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LS_IFIFO	0010000
#define LS_IFCHR	0020000
#define LS_IFDIR	0040000
#define LS_IFREG	0100000

/*
 * A vnode the VFS made (a file of the root, or one the guest created): its
 * bytes are the VFS's to grow.  Other vnodes (the program image from
 * exec.c) are read-only: opening them for writing is ETXTBSY.
 */
struct vfs_vnode {
	struct vnode v;			/* first: a vnode pointer is one of these */
	size_t cap;			/* bytes allocated at v.data */
	uint64_t ino;
	uint32_t perm;			/* permission bits */
	/* While the file is in the name space and has been opened read-write,
	 * the VFS holds a reference on its VM object, so pages a MAP_SHARED
	 * mapping wrote outlive the mapping (like FreeBSD's vnode, which
	 * keeps its object and pages cached). */
	struct vm_object *pin;
};

static void vfs_vnode_release(struct vnode *vp);

static struct vfs_vnode *
vfs_vnode_of(struct vnode *vp)
{
	if (vp == NULL || vp->release != vfs_vnode_release)
		return NULL;
	return (struct vfs_vnode *)vp;
}

uint64_t
vfs_ino(const char *norm)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *q = norm; *q; q++)
		h = (h ^ (unsigned char)*q) * 0x100000001b3ull;
	return h & 0x7fffffffu;
}

static void
vfs_vnode_release(struct vnode *vp)
{
	KASSERT(((struct vfs_vnode *)vp)->pin == NULL,
	    ("vfs_vnode_release: %s still pinned", vp->name));
	free((void *)vp->data);
	free(vp);
}

/* The VM's write-back hook (msync): the page's bytes become the file's
 * (within its size; the page itself is current already). */
static int
vfs_vnode_putpages(struct vnode *vp, vm_ooffset_t off, const uint8_t *buf, size_t len)
{
	if (off >= vp->size)
		return 0;
	len = (size_t)MIN((uint64_t)len, vp->size - off);
	if (buf != vp->data + off)
		memmove((uint8_t *)vp->data + off, buf, len);
	return 0;
}

/* A new VFS vnode owning data[0, len) (malloc'ed, may be NULL if len 0). */
static struct vnode *
vfs_vnode_new(const char *norm, uint8_t *data, size_t len, uint32_t perm)
{
	struct vfs_vnode *vv = calloc(1, sizeof(*vv));

	if (vv == NULL)
		return NULL;
	vv->v.data = data;
	vv->v.size = len;
	vv->cap = data != NULL ? len : 0;
	snprintf(vv->v.name, sizeof(vv->v.name), "%s", norm);
	vv->v.refs = 1;
	vv->v.release = vfs_vnode_release;
	vv->v.putpages = vfs_vnode_putpages;
	vv->ino = vfs_ino(norm);
	vv->perm = perm;
	return &vv->v;
}

/* Drop the VFS's object reference (the file leaves the name space). */
static void
vfs_vnode_unpin(struct vnode *vp)
{
	struct vfs_vnode *vv = vfs_vnode_of(vp);
	struct vm_object *obj;

	if (vv == NULL || vv->pin == NULL)
		return;
	vnode_write_back(vp);
	obj = vv->pin;
	vv->pin = NULL;
	vm_object_deallocate(obj);
}

void
vfs_init(struct vfs *v, const char *root)
{
	memset(v, 0, sizeof(*v));
	if (root != NULL)
		v->root = strdup(root);
	v->umask = 022;
}

void
vfs_fini(struct vfs *v)
{
	for (int i = 0; i < v->nnodes; i++) {
		struct vfs_node *n = &v->nodes[i];

		if (n->vp != NULL) {
			vfs_vnode_unpin(n->vp);
			vrele(n->vp);
		}
		free(n->listing);
	}
	free(v->nodes);
	v->nodes = NULL;
	v->nnodes = v->capnodes = 0;
	/* The devices: every process and mapping is gone by now. */
	for (int i = 0; i < v->ncdevs; i++) {
		dev_pager_cdev_fini(v->cdevs[i]);
		free(v->cdevs[i]);
		v->cdevs[i] = NULL;
	}
	v->ncdevs = 0;
	free(v->root);
	v->root = NULL;
}

int
vfs_normalise(const char *in, char *out, size_t outlen)
{
	size_t used = 0;
	const char *p = in;

	KASSERT(outlen >= 2, ("vfs_normalise: no room"));
	out[0] = '\0';
	while (*p) {
		const char *q;
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (used > 0 && out[used - 1] != '/')
				used--;
			if (used > 0)
				used--;		/* the slash */
			out[used] = '\0';
		} else {
			if (used + 1 + n + 1 > outlen)
				return -ENAMETOOLONG;
			out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		p += n;
	}
	if (used == 0)
		snprintf(out, outlen, "/");
	return 0;
}

/* The parent of a normalised path ("/" for "/a" and "/"). */
static void
vfs_parent(const char *norm, char *out)
{
	const char *slash = strrchr(norm, '/');
	size_t n = slash != NULL ? (size_t)(slash - norm) : 0;

	if (n == 0) {
		strcpy(out, "/");
		return;
	}
	memcpy(out, norm, n);
	out[n] = '\0';
}

/* The key a directory listing is recorded under: "/a" -> "/a/.". */
static void
vfs_dirkey(const char *norm, char *out, size_t len)
{
	snprintf(out, len, "%s%s.", norm, strcmp(norm, "/") == 0 ? "" : "/");
}

/* ---- the node table ----------------------------------------------------- */

static int
vfs_node_find(struct vfs *v, const char *norm)
{
	for (int i = 0; i < v->nnodes; i++)
		if (strcmp(v->nodes[i].path, norm) == 0)
			return i;
	return -1;
}

/* The node for norm, made empty if new: its index, or -ENFILE/-ENOMEM. */
static int
vfs_node_get(struct vfs *v, const char *norm)
{
	int i = vfs_node_find(v, norm);

	if (i >= 0)
		return i;
	if (v->nnodes == VFS_MAX_NODES)
		return -ENFILE;
	if (v->nnodes == v->capnodes) {
		int ncap = v->capnodes ? 2 * v->capnodes : 64;
		struct vfs_node *nn = realloc(v->nodes, sizeof(*nn) * (size_t)ncap);

		if (nn == NULL)
			return -ENOMEM;
		v->nodes = nn;
		v->capnodes = ncap;
	}
	i = v->nnodes++;
	memset(&v->nodes[i], 0, sizeof(v->nodes[i]));
	snprintf(v->nodes[i].path, sizeof(v->nodes[i].path), "%s", norm);
	return i;
}

/* Empty node i (drops its file and listing): it names nothing. */
static void
vfs_node_clear(struct vfs *v, int i)
{
	struct vfs_node *n = &v->nodes[i];

	if (n->vp != NULL) {
		vfs_vnode_unpin(n->vp);
		vrele(n->vp);
		n->vp = NULL;
	}
	free(n->listing);
	n->listing = NULL;
	n->listing_len = 0;
	n->dir = n->host_dir = false;
}

int
vfs_add(struct vfs *v, const char *path, struct vnode *vp)
{
	char norm[VFS_PATH_MAX];
	int i;

	if (vfs_normalise(path, norm, sizeof(norm)) != 0)
		return -ENAMETOOLONG;
	if ((i = vfs_node_get(v, norm)) < 0)
		return i;
	vfs_node_clear(v, i);
	v->nodes[i].removed = false;
	v->nodes[i].vp = vp;
	vref(vp);
	return 0;
}

/* ---- the host root (or the trace, on replay) ---------------------------- */

static bool
vfs_has_root(const struct vfs *v)
{
	return v->root != NULL || v->fetch != NULL;
}

static int
vfs_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing of host directory host: "d NAME\n"/"f NAME\n" lines sorted
 * by name (other kinds of entry, and odd names, are left out). */
static int
vfs_host_listing(const char *host, char **out, size_t *outlen)
{
	DIR *d = opendir(host);
	struct dirent *de;
	char **lines = NULL;
	size_t n = 0, cap = 0, total = 0;
	char *buf;

	if (d == NULL)
		return -ENOENT;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *line;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strchr(de->d_name, '\n') != NULL || strlen(de->d_name) > 200)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 ||
		    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			continue;
		if (n == cap) {
			char **nl = realloc(lines, sizeof(*nl) * (cap = cap ? 2 * cap : 32));

			if (nl == NULL)
				break;
			lines = nl;
		}
		/* Sorted by the name: the type letter goes after it for now. */
		if (asprintf(&line, "%s\n%c", de->d_name, S_ISDIR(st.st_mode) ? 'd' : 'f') < 0)
			break;
		lines[n++] = line;
		total += strlen(line) + 2;
	}
	closedir(d);
	if (n > 1)
		qsort(lines, n, sizeof(*lines), vfs_name_cmp);
	buf = malloc(total + 1);
	if (buf == NULL) {
		for (size_t i = 0; i < n; i++)
			free(lines[i]);
		free(lines);
		return -ENOMEM;
	}
	*outlen = 0;
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(lines[i]) - 2;	/* name\nT */

		*outlen += (size_t)sprintf(buf + *outlen, "%c %.*s\n",
		    lines[i][nl + 1], (int)nl, lines[i]);
		free(lines[i]);
	}
	free(lines);
	*out = buf;
	return 0;
}

/* A root file's bytes, read from the host or the trace, become a vnode
 * (taking data) and are reported to the loaded hook.  0 or -ENOMEM. */
static int
vfs_loaded(struct vfs *v, const char *norm, uint8_t *data, size_t len, struct vnode **out)
{
	struct vnode *vp = vfs_vnode_new(norm, data, len, 0755);

	if (vp == NULL) {
		free(data);
		return -ENOMEM;
	}
	if (v->loaded != NULL)
		v->loaded(v->loaded_arg, norm, data, len);
	*out = vp;
	return 0;
}

/* Read the host file behind guest path norm into a new vnode. */
static int
vfs_read_host(struct vfs *v, const char *norm, struct vnode **out)
{
	char host[4096];
	struct stat st;
	uint8_t *data;
	size_t got = 0;
	int fd;

	if (v->fetch != NULL)
		return vfs_fetch(v, norm, out);
	if (v->root == NULL)
		return -ENOENT;
	if ((size_t)snprintf(host, sizeof(host), "%s%s", v->root, norm) >= sizeof(host))
		return -ENAMETOOLONG;
	fd = open(host, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -EACCES;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	}
	if ((uint64_t)st.st_size > VFS_MAX_FILE) {
		close(fd);
		return -EFBIG;
	}
	data = malloc((size_t)st.st_size ? (size_t)st.st_size : 1);
	if (data == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return vfs_loaded(v, norm, data, got, out);
}

int
vfs_fetch(struct vfs *v, const char *norm, struct vnode **out)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int e;

	if ((e = v->fetch(v->fetch_arg, norm, &data, &len)) != 0)
		return e;
	if (len > VFS_MAX_FILE) {
		free(data);
		return -EFBIG;
	}
	return vfs_loaded(v, norm, data, len, out);
}

/* The listing of root directory norm (host, or the trace): 0 or -ENOENT. */
static int
vfs_read_listing(struct vfs *v, const char *norm, char **out, size_t *outlen)
{
	char key[VFS_PATH_MAX + 4], host[4096];
	struct stat st;
	int e;

	vfs_dirkey(norm, key, sizeof(key));
	if (v->fetch != NULL) {
		uint8_t *data = NULL;
		size_t len = 0;

		if ((e = v->fetch(v->fetch_arg, key, &data, &len)) != 0)
			return e == -ENOENT ? e : -EACCES;
		*out = (char *)data;
		*outlen = len;
	} else {
		if (v->root == NULL)
			return -ENOENT;
		if ((size_t)snprintf(host, sizeof(host), "%s%s", v->root, norm) >= sizeof(host))
			return -ENOENT;
		if (stat(host, &st) != 0 || !S_ISDIR(st.st_mode))
			return -ENOENT;
		if ((e = vfs_host_listing(host, out, outlen)) != 0)
			return e;
	}
	if (v->loaded != NULL)
		v->loaded(v->loaded_arg, key, *out, *outlen);
	return 0;
}

/* Make node i a directory of the root with its listing (loaded if not yet). */
static int
vfs_node_load_listing(struct vfs *v, int i)
{
	struct vfs_node *n = &v->nodes[i];
	char *l;
	size_t len;
	int e;

	if (n->listing != NULL)
		return 0;
	if ((e = vfs_read_listing(v, n->path, &l, &len)) != 0)
		return e;
	n = &v->nodes[i];
	n->listing = l;
	n->listing_len = len;
	return 0;
}

/* ---- lookup ------------------------------------------------------------- */

static int vfs_resolve(struct vfs *v, const char *norm, int *nodep);

/* A device name, or VT_NONE. */
static int
vfs_device(const char *norm)
{
	if (strcmp(norm, "/dev/null") == 0)
		return VT_NULL;
	if (strcmp(norm, "/dev/zero") == 0)
		return VT_ZERO;
	if (strcmp(norm, "/dev/tty") == 0)
		return VT_TTY;
	return VT_NONE;
}

/* The device with memory that norm ("/dev/NAME") names, if not removed,
 * else NULL. */
static struct cdev *
vfs_cdev_of(struct vfs *v, const char *norm)
{
	struct cdev *dev;

	if (strncmp(norm, "/dev/", 5) != 0 ||
	    (dev = vfs_device_find(v, norm + 5)) == NULL || dev->si_gone)
		return NULL;
	return dev;
}

/* Is directory norm (which exists) one whose entries the root supplies? */
static bool
vfs_dir_is_host(struct vfs *v, const char *norm)
{
	int i;

	if (!vfs_has_root(v))
		return false;
	i = vfs_node_find(v, norm);
	if (i >= 0)
		return v->nodes[i].host_dir;
	/* "/" and "/dev" exist without a node: the root may still have them. */
	return strcmp(norm, "/") == 0 || strcmp(norm, "/dev") == 0;
}

/*
 * What norm names (VT_*), or -errno (ENOTDIR: a component is not a
 * directory; EFBIG, ENOMEM, ENFILE from reading a root file).  *nodep is
 * the node index for VT_FILE and for a directory with a node, else -1.
 */
static int
vfs_resolve(struct vfs *v, const char *norm, int *nodep)
{
	char parent[VFS_PATH_MAX];
	struct vnode *vp;
	int i, t, e;

	*nodep = -1;
	if (strcmp(norm, "/") == 0)
		return VT_DIR;
	if ((t = vfs_device(norm)) != VT_NONE)
		return t;
	if (vfs_cdev_of(v, norm) != NULL)
		return VT_CDEV;
	i = vfs_node_find(v, norm);
	if (i >= 0 && (v->nodes[i].vp != NULL || v->nodes[i].dir)) {
		*nodep = i;
		return v->nodes[i].vp != NULL ? VT_FILE : VT_DIR;
	}
	if (strcmp(norm, "/dev") == 0)
		return VT_DIR;
	if (i >= 0 && v->nodes[i].removed)
		return VT_NONE;
	/* The parent must be a directory. */
	vfs_parent(norm, parent);
	t = vfs_resolve(v, parent, &i);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return VT_NONE;
	if (t != VT_DIR)
		return -ENOTDIR;
	if (!vfs_dir_is_host(v, parent))
		return VT_NONE;
	/* The root: a file, or else a directory. */
	e = vfs_read_host(v, norm, &vp);
	if (e == 0) {
		if ((i = vfs_node_get(v, norm)) < 0) {
			vrele(vp);
			return i;
		}
		v->nodes[i].vp = vp;		/* the node's reference */
		*nodep = i;
		return VT_FILE;
	}
	if (e != -ENOENT && e != -EISDIR)
		return e == -EACCES ? VT_NONE : e;
	{
		char *l;
		size_t len;

		if (vfs_read_listing(v, norm, &l, &len) != 0)
			return VT_NONE;
		if ((i = vfs_node_get(v, norm)) < 0) {
			free(l);
			return i;
		}
		v->nodes[i].dir = true;
		v->nodes[i].host_dir = true;
		v->nodes[i].listing = l;
		v->nodes[i].listing_len = len;
		*nodep = i;
		return VT_DIR;
	}
}

int
vfs_type_of(struct vfs *v, const char *norm)
{
	int i;

	return vfs_resolve(v, norm, &i);
}

int
vfs_lookup(struct vfs *v, const char *path, struct vnode **out)
{
	char norm[VFS_PATH_MAX];
	int e, i, t;

	if ((e = vfs_normalise(path, norm, sizeof(norm))) != 0)
		return e;
	t = vfs_resolve(v, norm, &i);
	if (t < 0)
		return t == -ENOTDIR ? -ENOENT : t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t != VT_FILE)
		return -EISDIR;
	vref(v->nodes[i].vp);
	*out = v->nodes[i].vp;
	return 0;
}

int
vfs_path(struct proc *p, int dirfd, const char *path, char *norm, size_t len)
{
	char joined[2 * VFS_PATH_MAX + 2];
	const char *base;

	if (path[0] == '\0')
		return -ENOENT;
	if (path[0] == '/')
		return vfs_normalise(path, norm, len);
	if (dirfd == -100) {
		base = p->cwd[0] != '\0' ? p->cwd : "/";
	} else {
		struct file *f = fd_get(p, dirfd);

		if (f == NULL)
			return -EBADF;
		if (f->type != FTYPE_DIR)
			return -ENOTDIR;
		base = f->path;
	}
	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", base, path) >= sizeof(joined))
		return -ENAMETOOLONG;
	return vfs_normalise(joined, norm, len);
}

/* ---- operations on names ------------------------------------------------ */

/* A regular file with the parent check of creation: 0 or -errno. */
static int
vfs_parent_ok(struct vfs *v, const char *norm)
{
	char parent[VFS_PATH_MAX];
	int t;

	vfs_parent(norm, parent);
	t = vfs_type_of(v, parent);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	return t == VT_DIR ? 0 : -ENOTDIR;
}

int
vfs_open(struct vfs *v, const char *norm, int flags, uint32_t mode, struct file **out)
{
	int acc = flags & KO_ACCMODE;
	bool wr = acc == KO_WRONLY || acc == KO_RDWR;
	struct file *f;
	int i, t, e;

	if (acc == KO_ACCMODE)
		return -EINVAL;
	t = vfs_resolve(v, norm, &i);
	if (t < 0)
		return t;
	if (t == VT_NONE) {
		struct vnode *vp;

		if (!(flags & KO_CREAT))
			return -ENOENT;
		if (flags & KO_DIRECTORY)
			return -EINVAL;
		if ((e = vfs_parent_ok(v, norm)) != 0)
			return e;
		if ((vp = vfs_vnode_new(norm, NULL, 0, mode & 0777 & ~v->umask)) == NULL)
			return -ENOMEM;
		if ((i = vfs_node_get(v, norm)) < 0) {
			vrele(vp);
			return i;
		}
		vfs_node_clear(v, i);
		v->nodes[i].removed = false;
		v->nodes[i].vp = vp;
		t = VT_FILE;
	} else if ((flags & (KO_CREAT | KO_EXCL)) == (KO_CREAT | KO_EXCL)) {
		return -EEXIST;
	}
	if ((flags & KO_DIRECTORY) && t != VT_DIR)
		return -ENOTDIR;
	switch (t) {
	case VT_DIR:
		if (wr || (flags & KO_CREAT))
			return -EISDIR;
		if ((f = file_alloc(FTYPE_DIR, flags)) == NULL ||
		    (f->path = strdup(norm)) == NULL) {
			free(f);
			return -ENOMEM;
		}
		break;
	case VT_FILE: {
		struct vnode *vp = v->nodes[i].vp;
		struct vfs_vnode *vv = vfs_vnode_of(vp);

		if (wr && vv == NULL)
			return -ETXTBSY;
		if (wr && (flags & KO_TRUNC) && (e = vnode_truncate(vp, 0)) != 0)
			return e;
		if (acc == KO_RDWR && vv->pin == NULL)
			vv->pin = vnode_object_for(vp);
		if ((f = file_alloc(FTYPE_VNODE, flags)) == NULL)
			return -ENOMEM;
		f->vp = vp;
		vref(vp);
		break;
	}
	case VT_NULL: case VT_ZERO:
		if ((f = file_alloc(t == VT_NULL ? FTYPE_NULL : FTYPE_ZERO, flags)) == NULL)
			return -ENOMEM;
		break;
	case VT_TTY:
		if ((f = file_alloc(FTYPE_CONSOLE, flags)) == NULL)
			return -ENOMEM;
		f->console = 1;
		break;
	case VT_CDEV:
		if ((f = file_alloc(FTYPE_CDEV, flags)) == NULL)
			return -ENOMEM;
		f->cdev = vfs_cdev_of(v, norm);
		break;
	default:
		return -ENOENT;
	}
	f->flags = flags & (KO_STATUS);
	*out = f;
	return 0;
}

static void
vfs_stat_dir(const char *norm, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->mode = LS_IFDIR | 0755;
	st->ino = vfs_ino(norm);
	st->nlink = 2;
	st->size = 4096;
	st->dev_minor = 22;
}

static void
vfs_stat_dev(int t, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->mode = LS_IFCHR | 0666;
	st->nlink = 1;
	st->dev_minor = 5;			/* devtmpfs */
	st->rdev_major = t == VT_TTY ? 5 : 1;
	st->rdev_minor = t == VT_NULL ? 3 : t == VT_ZERO ? 5 : 0;
	st->ino = 100 + (uint64_t)t;
}

/* A device with memory: a character device of the local major 240, its
 * minor the unit vfs_device_add gave it (the order devices came in). */
static void
vfs_stat_cdev(const struct cdev *dev, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->mode = LS_IFCHR | ((dev->si_prot & VM_PROT_WRITE) ? 0666 : 0444);
	st->nlink = 1;
	st->dev_minor = 5;			/* devtmpfs */
	st->rdev_major = 240;
	st->rdev_minor = (uint32_t)dev->si_drv0;
	st->ino = 200 + (uint64_t)dev->si_drv0;
}

static void
vfs_stat_vnode(struct vnode *vp, struct vfs_stat *st)
{
	struct vfs_vnode *vv = vfs_vnode_of(vp);

	memset(st, 0, sizeof(*st));
	st->mode = LS_IFREG | (vv != NULL ? vv->perm : 0755);
	st->size = vp->size;
	st->nlink = 1;
	st->dev_minor = 22;
	st->ino = vv != NULL ? vv->ino : vfs_ino(vp->name);
}

int
vfs_stat(struct vfs *v, const char *norm, struct vfs_stat *st)
{
	int i, t = vfs_resolve(v, norm, &i);

	if (t < 0)
		return t;
	switch (t) {
	case VT_NONE:
		return -ENOENT;
	case VT_DIR:
		vfs_stat_dir(norm, st);
		return 0;
	case VT_FILE:
		vfs_stat_vnode(v->nodes[i].vp, st);
		return 0;
	case VT_CDEV:
		vfs_stat_cdev(vfs_cdev_of(v, norm), st);
		return 0;
	default:
		vfs_stat_dev(t, st);
		return 0;
	}
}

int
vfs_unlink(struct vfs *v, const char *norm)
{
	int i, t = vfs_resolve(v, norm, &i);

	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t == VT_DIR)
		return -EISDIR;
	if (t != VT_FILE)
		return -EACCES;		/* the devices stay */
	vfs_node_clear(v, i);
	v->nodes[i].removed = true;
	return 0;
}

int
vfs_mkdir(struct vfs *v, const char *norm, uint32_t mode)
{
	int i, t, e;

	(void)mode;	/* XXX: directories are all 0755 */
	t = vfs_resolve(v, norm, &i);
	if (t < 0)
		return t;
	if (t != VT_NONE)
		return -EEXIST;
	if ((e = vfs_parent_ok(v, norm)) != 0)
		return e;
	if ((i = vfs_node_get(v, norm)) < 0)
		return i;
	vfs_node_clear(v, i);
	v->nodes[i].removed = false;
	v->nodes[i].dir = true;
	return 0;
}

int
vfs_rmdir(struct vfs *v, const char *norm)
{
	char **names;
	uint8_t *types;
	int i, t, n, e;

	if (strcmp(norm, "/") == 0 || strcmp(norm, "/dev") == 0)
		return -EBUSY;
	t = vfs_resolve(v, norm, &i);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t != VT_DIR)
		return -ENOTDIR;
	if ((e = vfs_readdir(v, norm, &names, &types, &n)) != 0)
		return e;
	vfs_readdir_free(names, types, n);
	if (n > 2)
		return -ENOTEMPTY;
	if ((i = vfs_node_get(v, norm)) < 0)
		return i;
	vfs_node_clear(v, i);
	v->nodes[i].removed = true;
	return 0;
}

int
vfs_rename(struct vfs *v, const char *from, const char *to)
{
	struct vnode *vp;
	int i, j, t, e;

	t = vfs_resolve(v, from, &i);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t == VT_DIR)
		return -EXDEV;		/* XXX: directories are not renamed */
	if (t != VT_FILE)
		return -EACCES;
	if (strcmp(from, to) == 0)
		return 0;
	t = vfs_resolve(v, to, &j);
	if (t < 0)
		return t;
	if (t == VT_DIR)
		return -EISDIR;
	if (t != VT_NONE && t != VT_FILE)
		return -EACCES;
	if (t == VT_NONE && (e = vfs_parent_ok(v, to)) != 0)
		return e;
	if ((j = vfs_node_get(v, to)) < 0)
		return j;
	i = vfs_node_find(v, from);	/* the table may have moved */
	vp = v->nodes[i].vp;
	v->nodes[i].vp = NULL;		/* the reference moves with it */
	v->nodes[i].removed = true;
	vfs_node_clear(v, j);
	v->nodes[j].removed = false;
	v->nodes[j].vp = vp;
	snprintf(vp->name, sizeof(vp->name), "%s", to);
	return 0;
}

struct vfs_dirent {
	char *name;
	uint8_t type;
};

static int
vfs_dirent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vfs_dirent *)a)->name,
	    ((const struct vfs_dirent *)b)->name);
}

/* Add or replace (type 0: remove) name in the entry list. */
static int
vfs_dirent_set(struct vfs_dirent **ents, int *n, int *cap, const char *name, uint8_t type)
{
	for (int k = 0; k < *n; k++) {
		if (strcmp((*ents)[k].name, name) == 0) {
			if (type == 0) {
				free((*ents)[k].name);
				(*ents)[k] = (*ents)[--*n];
			} else {
				(*ents)[k].type = type;
			}
			return 0;
		}
	}
	if (type == 0)
		return 0;
	if (*n == *cap) {
		int ncap = *cap ? 2 * *cap : 16;
		struct vfs_dirent *ne = realloc(*ents, sizeof(*ne) * (size_t)ncap);

		if (ne == NULL)
			return -ENOMEM;
		*ents = ne;
		*cap = ncap;
	}
	if (((*ents)[*n].name = strdup(name)) == NULL)
		return -ENOMEM;
	(*ents)[(*n)++].type = type;
	return 0;
}

#define LDT_CHR	2
#define LDT_DIR	4
#define LDT_REG	8

int
vfs_readdir(struct vfs *v, const char *norm, char ***namesp, uint8_t **typesp, int *np)
{
	struct vfs_dirent *ents = NULL;
	int n = 0, cap = 0, i, t, e = 0;
	size_t plen = strlen(norm);
	char **names;
	uint8_t *types;

	t = vfs_resolve(v, norm, &i);
	if (t < 0)
		return t;
	if (t == VT_NONE)
		return -ENOENT;
	if (t != VT_DIR)
		return -ENOTDIR;
	/* The root's entries. */
	if (vfs_dir_is_host(v, norm)) {
		if ((i = vfs_node_find(v, norm)) < 0) {
			/* "/" or "/dev": a node to hold the listing. */
			char *l;
			size_t len;

			if (vfs_read_listing(v, norm, &l, &len) == 0) {
				if ((i = vfs_node_get(v, norm)) < 0) {
					free(l);
					return i;
				}
				v->nodes[i].dir = v->nodes[i].host_dir = true;
				v->nodes[i].listing = l;
				v->nodes[i].listing_len = len;
			}
		} else if (vfs_node_load_listing(v, i) != 0) {
			i = -1;
		}
		if (i >= 0 && v->nodes[i].listing != NULL) {
			const char *l = v->nodes[i].listing, *end = l + v->nodes[i].listing_len;

			while (l < end && e == 0) {
				const char *nl = memchr(l, '\n', (size_t)(end - l));
				char name[VFS_PATH_MAX];
				size_t len;

				if (nl == NULL)
					nl = end;
				len = (size_t)(nl - l);
				if (len > 2 && len - 2 < sizeof(name)) {
					memcpy(name, l + 2, len - 2);
					name[len - 2] = '\0';
					e = vfs_dirent_set(&ents, &n, &cap, name,
					    l[0] == 'd' ? LDT_DIR : LDT_REG);
				}
				l = nl + 1;
			}
		}
	}
	/* The devices. */
	if (strcmp(norm, "/") == 0 && e == 0)
		e = vfs_dirent_set(&ents, &n, &cap, "dev", LDT_DIR);
	if (strcmp(norm, "/dev") == 0) {
		static const char *const devs[] = { "null", "tty", "zero" };

		for (size_t k = 0; k < nitems(devs) && e == 0; k++)
			e = vfs_dirent_set(&ents, &n, &cap, devs[k], LDT_CHR);
		for (int k = 0; k < v->ncdevs && e == 0; k++)
			if (!v->cdevs[k]->si_gone)
				e = vfs_dirent_set(&ents, &n, &cap,
				    v->cdevs[k]->si_name, LDT_CHR);
	}
	/* The overlay: nodes directly inside. */
	for (int k = 0; k < v->nnodes && e == 0; k++) {
		const char *p = v->nodes[k].path;
		const char *name;

		if (strcmp(norm, "/") == 0) {
			name = p + 1;
		} else {
			if (strncmp(p, norm, plen) != 0 || p[plen] != '/')
				continue;
			name = p + plen + 1;
		}
		if (*name == '\0' || strchr(name, '/') != NULL)
			continue;
		if (v->nodes[k].removed)
			e = vfs_dirent_set(&ents, &n, &cap, name, 0);
		else if (v->nodes[k].vp != NULL || v->nodes[k].dir)
			e = vfs_dirent_set(&ents, &n, &cap, name,
			    v->nodes[k].vp != NULL ? LDT_REG : LDT_DIR);
	}
	if (e == 0) {
		if (n > 1)
			qsort(ents, (size_t)n, sizeof(*ents), vfs_dirent_cmp);
		names = malloc(sizeof(*names) * (size_t)(n + 2));
		types = malloc((size_t)n + 2);
		if (names == NULL || types == NULL ||
		    (names[0] = strdup(".")) == NULL) {
			free(names);
			free(types);
			e = -ENOMEM;
		} else if ((names[1] = strdup("..")) == NULL) {
			free(names[0]);
			free(names);
			free(types);
			e = -ENOMEM;
		}
	}
	if (e != 0) {
		for (int k = 0; k < n; k++)
			free(ents[k].name);
		free(ents);
		return e;
	}
	types[0] = types[1] = LDT_DIR;
	for (int k = 0; k < n; k++) {
		names[k + 2] = ents[k].name;
		types[k + 2] = ents[k].type;
	}
	free(ents);
	*namesp = names;
	*typesp = types;
	*np = n + 2;
	return 0;
}

void
vfs_readdir_free(char **names, uint8_t *types, int n)
{
	for (int k = 0; k < n; k++)
		free(names[k]);
	free(names);
	free(types);
}

/* ---- file contents ------------------------------------------------------ */

/* Copy [off, off + len) of src (NULL: zeros) into the resident pages of
 * vp's object. */
static void
vnode_pages_update(struct vnode *vp, uint64_t off, const uint8_t *src, size_t len)
{
	struct vm_object *obj = vp->object;
	uint64_t end = off + len;

	if (obj == NULL || len == 0)
		return;
	for (vm_page_t m = vm_object_page_ge(obj, atop(off));
	    m != NULL && ptoa(m->pindex) < end; m = vm_object_page_next(obj, m)) {
		uint64_t s = MAX(off, ptoa(m->pindex));
		uint64_t t = MIN(end, ptoa(m->pindex) + PAGE_SIZE);
		uint8_t *dst = vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)) + (s - ptoa(m->pindex));

		if (!m->valid)
			continue;
		if (src != NULL)
			memcpy(dst, src + (s - off), (size_t)(t - s));
		else
			memset(dst, 0, (size_t)(t - s));
	}
}

size_t
vnode_read(struct vnode *vp, uint64_t off, void *buf, size_t len)
{
	struct vm_object *obj = vp->object;
	uint8_t *out = buf;
	size_t n;

	if (off >= vp->size)
		return 0;
	n = (size_t)MIN((uint64_t)len, vp->size - off);
	memcpy(out, vp->data + off, n);
	if (obj != NULL) {
		/* Pages a shared mapping may have written are newer. */
		for (vm_page_t m = vm_object_page_ge(obj, atop(off));
		    m != NULL && ptoa(m->pindex) < off + n; m = vm_object_page_next(obj, m)) {
			uint64_t s = MAX(off, ptoa(m->pindex));
			uint64_t t = MIN(off + n, ptoa(m->pindex) + PAGE_SIZE);

			if (m->valid)
				memcpy(out + (s - off), vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)) +
				    (s - ptoa(m->pindex)), (size_t)(t - s));
		}
	}
	return n;
}

/* Room for size bytes in vv's buffer: 0 or -errno. */
static int
vnode_reserve(struct vfs_vnode *vv, uint64_t size)
{
	size_t ncap;
	uint8_t *nd;

	if (size > VFS_MAX_FILE)
		return -EFBIG;
	if (size <= vv->cap)
		return 0;
	ncap = MAX((size_t)size, MIN(2 * vv->cap, (size_t)VFS_MAX_FILE));
	ncap = MAX(ncap, (size_t)256);
	if ((nd = realloc((void *)vv->v.data, ncap)) == NULL)
		return -ENOMEM;
	vv->v.data = nd;
	vv->cap = ncap;
	return 0;
}

/* The object covers the file (a page-in beyond the object is refused). */
static void
vnode_object_grow(struct vnode *vp)
{
	if (vp->object != NULL && vp->object->size < atop(round_page(vp->size)))
		vp->object->size = atop(round_page(vp->size));
}

int64_t
vnode_write(struct vnode *vp, uint64_t off, const void *buf, size_t len)
{
	struct vfs_vnode *vv = vfs_vnode_of(vp);
	uint64_t end = off + len;
	int e;

	if (vv == NULL)
		return -ETXTBSY;
	if (end < off)
		return -EFBIG;
	if (len == 0)
		return 0;
	if ((e = vnode_reserve(vv, end)) != 0)
		return e;
	if (off > vp->size) {
		memset((uint8_t *)vp->data + vp->size, 0, (size_t)(off - vp->size));
		vnode_pages_update(vp, vp->size, NULL, (size_t)(off - vp->size));
	}
	memcpy((uint8_t *)vp->data + off, buf, len);
	vnode_pages_update(vp, off, buf, len);
	if (end > vp->size)
		vp->size = end;
	vnode_object_grow(vp);
	return (int64_t)len;
}

int
vnode_truncate(struct vnode *vp, uint64_t size)
{
	struct vfs_vnode *vv = vfs_vnode_of(vp);
	int e;

	if (vv == NULL)
		return -ETXTBSY;
	if (size > vp->size) {
		if ((e = vnode_reserve(vv, size)) != 0)
			return e;
		memset((uint8_t *)vp->data + vp->size, 0, (size_t)(size - vp->size));
	}
	/* XXX: resident pages wholly beyond a new, smaller end stay mapped
	 * (zeroed) instead of being freed: a touch there is not SIGBUS. */
	vnode_pages_update(vp, MIN(size, vp->size), NULL,
	    (size_t)(MAX(size, vp->size) - MIN(size, vp->size)));
	vp->size = size;
	vnode_object_grow(vp);
	return 0;
}

void
vnode_write_back(struct vnode *vp)
{
	struct vm_object *obj;

	if (vp == NULL || (obj = vp->object) == NULL || vfs_vnode_of(vp) == NULL)
		return;
	for (vm_page_t m = vm_object_page_first(obj); m != NULL;
	    m = vm_object_page_next(obj, m)) {
		uint64_t off = ptoa(m->pindex);

		if (!m->valid || off >= vp->size)
			continue;
		memcpy((uint8_t *)vp->data + off, vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)),
		    (size_t)MIN((uint64_t)PAGE_SIZE, vp->size - off));
	}
}

void
file_stat(struct file *f, struct vfs_stat *st)
{
	switch (f->type) {
	case FTYPE_VNODE:
		vfs_stat_vnode(f->vp, st);
		break;
	case FTYPE_DIR:
		vfs_stat_dir(f->path, st);
		break;
	case FTYPE_NULL:
		vfs_stat_dev(VT_NULL, st);
		break;
	case FTYPE_CDEV:
		vfs_stat_cdev(f->cdev, st);
		break;
	case FTYPE_ZERO:
		vfs_stat_dev(VT_ZERO, st);
		break;
	case FTYPE_CONSOLE:
		memset(st, 0, sizeof(*st));
		st->mode = LS_IFCHR | 0620;
		st->ino = 3 + (uint64_t)f->console;
		st->nlink = 1;
		st->dev_minor = 22;
		st->rdev_major = 136;		/* a pseudo-terminal */
		break;
	case FTYPE_PIPE:
		memset(st, 0, sizeof(*st));
		st->mode = LS_IFIFO | 0600;
		st->ino = pipe_ino(f->pipe);
		st->nlink = 1;
		st->dev_minor = 12;		/* pipefs */
		break;
	}
}

struct vnode *
file_vnode(struct file *f)
{
	return f != NULL && f->type == FTYPE_VNODE ? f->vp : NULL;
}

struct cdev *
file_cdev(struct file *f)
{
	return f != NULL && f->type == FTYPE_CDEV ? f->cdev : NULL;
}

bool
file_readable(const struct file *f)
{
	return (f->flags & KO_ACCMODE) != KO_WRONLY;
}

bool
file_writable(const struct file *f)
{
	return (f->flags & KO_ACCMODE) == KO_WRONLY || (f->flags & KO_ACCMODE) == KO_RDWR;
}

/* ---- devices with memory ------------------------------------------------ */

int
vfs_device_add(struct vfs *v, struct cdev *dev)
{
	if (vfs_device_find(v, dev->si_name) != NULL)
		return -EEXIST;
	if (v->ncdevs == VFS_MAX_CDEVS)
		return -ENOSPC;
	dev->si_drv0 = v->ncdevs;
	v->cdevs[v->ncdevs++] = dev;
	return 0;
}

struct cdev *
vfs_device_find(struct vfs *v, const char *name)
{
	for (int i = 0; i < v->ncdevs; i++)
		if (strcmp(v->cdevs[i]->si_name, name) == 0)
			return v->cdevs[i];
	return NULL;
}

int
vfs_device_remove(struct vfs *v, const char *name)
{
	struct cdev *dev = vfs_device_find(v, name);
	struct event ev;

	if (dev == NULL || dev->si_gone)
		return -ENOENT;
	dev->si_gone = true;
	ev = event_make(EV_DEVICE, "remove", 0);
	snprintf(ev.detail, sizeof(ev.detail), "%s%s", dev->si_name,
	    dev->si_object != NULL ? " (still mapped)" : "");
	event_emit(&ev, 0);
	return 0;
}

/* ---- descriptions and descriptors --------------------------------------- */

struct file *
file_alloc(enum file_type type, int flags)
{
	struct file *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->type = type;
	f->flags = flags;
	f->refs = 1;
	return f;
}

void
file_hold(struct file *f)
{
	KASSERT(f->refs > 0, ("file_hold: a closed file"));
	f->refs++;
}

void
file_drop(struct file *f)
{
	KASSERT(f->refs > 0, ("file_drop: a closed file"));
	if (--f->refs > 0)
		return;
	switch (f->type) {
	case FTYPE_VNODE:
		vrele(f->vp);
		break;
	case FTYPE_PIPE:
		pipe_close(f->pipe, (f->flags & KO_ACCMODE) == KO_WRONLY);
		break;
	case FTYPE_DIR:
		free(f->path);
		break;
	default:
		break;
	}
	free(f);
}

void
fd_init(struct proc *p)
{
	memset(p->files, 0, sizeof(p->files));
	memset(p->fd_cloexec, 0, sizeof(p->fd_cloexec));
	for (int i = 0; i < 3; i++) {
		struct file *f = file_alloc(FTYPE_CONSOLE, KO_RDWR);

		if (f == NULL)
			continue;	/* the descriptor is then closed */
		f->console = i;
		p->files[i] = f;
	}
	snprintf(p->cwd, sizeof(p->cwd), "/");
}

void
fd_fork(struct proc *parent, struct proc *child)
{
	for (int i = 0; i < PROC_NFILES; i++) {
		KASSERT(child->files[i] == NULL, ("fd_fork: child has fd %d", i));
		child->files[i] = parent->files[i];
		if (child->files[i] != NULL)
			file_hold(child->files[i]);
		child->fd_cloexec[i] = parent->fd_cloexec[i];
	}
	memcpy(child->cwd, parent->cwd, sizeof(child->cwd));
}

void
fd_exec(struct proc *p)
{
	for (int i = 0; i < PROC_NFILES; i++)
		if (p->files[i] != NULL && p->fd_cloexec[i])
			fd_close(p, i);
}

int
fd_install(struct proc *p, struct file *f, int minfd, bool cloexec)
{
	for (int i = MAX(minfd, 0); i < PROC_NFILES; i++) {
		if (p->files[i] == NULL) {
			p->files[i] = f;
			p->fd_cloexec[i] = cloexec;
			return i;
		}
	}
	file_drop(f);
	return -EMFILE;
}

int
fd_alloc(struct proc *p, struct vnode *vp)
{
	struct file *f = file_alloc(FTYPE_VNODE, KO_RDONLY);

	if (f == NULL) {
		vrele(vp);
		return -ENOMEM;
	}
	f->vp = vp;
	return fd_install(p, f, 0, false);
}

struct file *
fd_get(struct proc *p, int fd)
{
	if (fd < 0 || fd >= PROC_NFILES)
		return NULL;
	return p->files[fd];
}

int
fd_close(struct proc *p, int fd)
{
	struct file *f;

	if (fd < 0 || fd >= PROC_NFILES || (f = p->files[fd]) == NULL)
		return -EBADF;
	p->files[fd] = NULL;
	p->fd_cloexec[fd] = false;
	file_drop(f);
	return 0;
}

int
fd_dup2(struct proc *p, int oldfd, int newfd, bool cloexec)
{
	struct file *f = fd_get(p, oldfd);

	if (f == NULL || newfd < 0 || newfd >= PROC_NFILES)
		return -EBADF;
	if (oldfd != newfd) {
		file_hold(f);
		if (p->files[newfd] != NULL)
			fd_close(p, newfd);
		p->files[newfd] = f;
	}
	p->fd_cloexec[newfd] = cloexec;
	return newfd;
}

void
fd_close_all(struct proc *p)
{
	for (int i = 0; i < PROC_NFILES; i++)
		if (p->files[i] != NULL)
			fd_close(p, i);
}
