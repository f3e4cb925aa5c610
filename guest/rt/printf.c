/*
 * printf.c - a small printf for the guest runtime.
 *
 * Conversions: %d %i %u %x %X %c %s %p %%, with 'l' and 'll' length
 * modifiers on d/i/u/x, a field width and the '0' and '-' flags.  Output is built
 * in a stack buffer and written with write(fd, ...) - normally one write
 * per call.  Hex is printed with shifts and decimal with native-word
 * division, so no libgcc 64-bit division is needed on MIPS (decimal
 * 'll' values are therefore truncated to unsigned long on 32-bit).
 */
#include "rt.h"

struct out {
	int fd;
	int len;        /* bytes in buf */
	int total;      /* bytes emitted so far */
	char buf[256];
};

static void flush(struct out *o)
{
	if (o->len > 0)
		write(o->fd, o->buf, (unsigned long)o->len);
	o->len = 0;
}

static void put(struct out *o, char c)
{
	if (o->len == (int)sizeof(o->buf))
		flush(o);
	o->buf[o->len++] = c;
	o->total++;
}

/* Emit reversed digits padded to |width|; width < 0 means left-justify. */
static void put_field(struct out *o, const char *digits, int n, int neg,
		      int width, int zero)
{
	int len = n + neg;

	if (!zero)
		for (; len < width; len++)
			put(o, ' ');
	if (neg)
		put(o, '-');
	if (zero)
		for (; len < width; len++)
			put(o, '0');
	while (n--)
		put(o, digits[n]);
	for (; len < -width; len++)
		put(o, ' ');
}

static void put_hex(struct out *o, unsigned long long v, int width, int zero,
		    int upper)
{
	const char *xd = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = xd[v & 15];
		v >>= 4;
	} while (v);
	put_field(o, tmp, n, 0, width, zero);
}

static void put_dec(struct out *o, unsigned long v, int neg, int width,
		    int zero)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_field(o, tmp, n, neg, width, zero);
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
	struct out o;

	o.fd = fd;
	o.len = 0;
	o.total = 0;
	for (; *fmt; fmt++) {
		int zero = 0, left = 0, width = 0, lng = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = 1;
			else if (*fmt == '-')
				left = 1;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (left) {
			width = -width;
			zero = 0;
		}
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = lng >= 2 ? va_arg(ap, long long)
				    : lng == 1 ? va_arg(ap, long)
				    : va_arg(ap, int);
			unsigned long u = v < 0 ? -(unsigned long)v
						: (unsigned long)v;
			put_dec(&o, u, v < 0, width, zero);
			break;
		}
		case 'u': {
			unsigned long long v =
				lng >= 2 ? va_arg(ap, unsigned long long)
				: lng == 1 ? va_arg(ap, unsigned long)
				: va_arg(ap, unsigned int);
			put_dec(&o, (unsigned long)v, 0, width, zero);
			break;
		}
		case 'x':
		case 'X': {
			unsigned long long v =
				lng >= 2 ? va_arg(ap, unsigned long long)
				: lng == 1 ? va_arg(ap, unsigned long)
				: va_arg(ap, unsigned int);
			put_hex(&o, v, width, zero, *fmt == 'X');
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_hex(&o, (unsigned long)va_arg(ap, void *), width,
				zero, 0);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n;

			if (!s)
				s = "(null)";
			n = (int)strlen(s);
			for (; n < width; n++)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			for (; n < -width; n++)
				put(&o, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;          /* lone '%' at the end */
			break;
		default:                /* unknown: print it verbatim */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	flush(&o);
	return o.total;
}

int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(1, fmt, ap);
	va_end(ap);
	return n;
}
