// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Batched attribute reads.  Listing a big machine means three small files
 * per block, and on virtual machines a system call's entry and exit cost
 * as much as the work it does.  With io_uring each attribute is an
 * open/read/close chain on a registered file slot, and a whole batch of
 * chains is one system call.  Where io_uring is missing or forbidden
 * (old kernels, seccomp, kernel.io_uring_disabled) the reads fall back to
 * one openat2/read/close each; MEMHP_NO_IO_URING=1 forces that path.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define SLOTS 256	/* chains per submission, and registered files */

static int uring_state;	/* 0 unknown, 1 works, -1 not available */

static bool want_uring(void)
{
	const char *env = secure_getenv("MEMHP_NO_IO_URING");

	return uring_state >= 0 && !(env && *env && strcmp(env, "0"));
}

static void finish(struct memhp_read_req *r, int res)
{
	if (res < 0) {
		r->result = res;
		return;
	}
	r->result = memhp_attr_finish(r->buf, res, r->size);
}

/* 0 when every request has its result, -ENOSYS to fall back */
static int read_uring(int dirfd, struct memhp_read_req *r, size_t n)
{
	/* no O_CLOEXEC: a direct descriptor is no fd, the kernel refuses it */
	static const struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(SLOTS * 3, &ring, 0);
	if (ret < 0)
		return -ENOSYS;
	if (io_uring_register_files_sparse(&ring, SLOTS) < 0) {
		io_uring_queue_exit(&ring);
		return -ENOSYS;
	}
	for (size_t base = 0; base < n; base += SLOTS) {
		size_t cnt = n - base < SLOTS ? n - base : SLOTS;
		size_t pending = cnt * 3;

		for (size_t i = 0; i < cnt; i++) {
			struct memhp_read_req *req = &r[base + i];
			struct io_uring_sqe *sqe;

			req->result = -EIO;
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_openat2_direct(sqe, dirfd, req->name,
						     (struct open_how *)&how,
						     (unsigned int)i);
			sqe->flags |= IOSQE_IO_LINK;
			sqe->user_data = (base + i) << 2;
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_read(sqe, (int)i, req->buf,
					   (unsigned int)req->size - 1, 0);
			/* the close runs even when the read fails */
			sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
			sqe->user_data = (base + i) << 2 | 1;
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_close_direct(sqe, (unsigned int)i);
			sqe->user_data = (base + i) << 2 | 2;
		}
		ret = io_uring_submit_and_wait(&ring, (unsigned int)pending);
		if (ret < 0) {
			io_uring_queue_exit(&ring);
			return base ? ret : -ENOSYS;
		}
		while (pending) {
			struct io_uring_cqe *cqe;

			ret = io_uring_wait_cqe(&ring, &cqe);
			if (ret < 0) {
				io_uring_queue_exit(&ring);
				return ret;
			}
			size_t idx = (size_t)(cqe->user_data >> 2);
			unsigned int op = cqe->user_data & 3;

			if (op == 0 && cqe->res < 0)
				r[idx].result = cqe->res;	/* open failed */
			else if (op == 1 && cqe->res != -ECANCELED)
				finish(&r[idx], cqe->res);
			io_uring_cqe_seen(&ring, cqe);
			pending--;
		}
	}
	io_uring_queue_exit(&ring);
	return 0;
}

void memhp_read_attrs(struct memhp_ctx *ctx, enum memhp_area area,
		      struct memhp_read_req *r, size_t n)
{
	int dirfd = memhp_area_fd(ctx, area);

	if (dirfd < 0) {
		for (size_t i = 0; i < n; i++)
			r[i].result = dirfd;
		return;
	}
	if (want_uring()) {
		int ret = read_uring(dirfd, r, n);

		if (ret == 0) {
			uring_state = 1;
			/* A direct descriptor cannot be fstat()ed: whatever
			 * did not read as a non-empty attribute (a FIFO reads
			 * as empty, a device as too long) is read again one
			 * at a time, where a file that is not a regular one
			 * is refused by name.  A missing one stays missing. */
			for (size_t i = 0; i < n; i++)
				if (r[i].result == 0 ||
				    (r[i].result < 0 && r[i].result != -ENOENT))
					r[i].result = memhp_read_attr(
						ctx, area, r[i].name,
						r[i].buf, r[i].size);
			return;
		}
		if (ret == -ENOSYS && uring_state == 0) {
			dbg(ctx, "io_uring not available: one read at a time");
			uring_state = -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		r[i].result = memhp_read_attr(ctx, area, r[i].name, r[i].buf,
					      r[i].size);
}
