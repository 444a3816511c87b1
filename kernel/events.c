// SPDX-License-Identifier: GPL-2.0
/*
 * The event log: a memory notifier and memhp's own adds and removes feed a
 * ring that /dev/memhp hands out, one line per event:
 *   <ns since boot> <event> <start> <size> <node> <errno>
 * Each reader starts at the oldest event still in the ring, blocks (or
 * polls) for new ones, and is told with a "lost N" line when it fell
 * behind.  The notifier only takes the ring's spinlock (never ranges_lock,
 * which core.c holds while the kernel runs the notifiers).  The node of an
 * online/offline event is the node of the block's memory; an add or remove
 * carries the range's node.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/memory.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pfn.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "memhp.h"

#define RING_SIZE 512	/* a power of two */
#define LINE_MAX_LEN 128

struct record {
	u64 ns;
	u64 start;
	u64 size;
	int nid;
	int err;
	enum memhp_event ev;
};

static struct record ring[RING_SIZE];
static u64 ring_head;	/* sequence number of the next record */
static DEFINE_SPINLOCK(ring_lock);
static DECLARE_WAIT_QUEUE_HEAD(ring_wait);

static const char *const event_names[MEMHP_NR_EVENTS] = {
	[MEMHP_EV_GOING_ONLINE] = "going-online",
	[MEMHP_EV_ONLINE] = "online",
	[MEMHP_EV_CANCEL_ONLINE] = "cancel-online",
	[MEMHP_EV_GOING_OFFLINE] = "going-offline",
	[MEMHP_EV_OFFLINE] = "offline",
	[MEMHP_EV_CANCEL_OFFLINE] = "cancel-offline",
	[MEMHP_EV_ADD] = "add",
	[MEMHP_EV_REMOVE] = "remove",
};

void memhp_event(enum memhp_event ev, u64 start, u64 size, int nid, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&ring_lock, flags);
	ring[ring_head & (RING_SIZE - 1)] = (struct record){
		.ns = ktime_get_boottime_ns(),
		.start = start,
		.size = size,
		.nid = nid,
		.err = err,
		.ev = ev,
	};
	WRITE_ONCE(ring_head, ring_head + 1);	/* has_data() reads it unlocked */
	spin_unlock_irqrestore(&ring_lock, flags);
	wake_up_interruptible(&ring_wait);
}

static int memhp_notify(struct notifier_block *nb, unsigned long action,
			void *data)
{
	const struct memory_notify *mn = data;
	enum memhp_event ev;

	switch (action) {
	case MEM_GOING_ONLINE: ev = MEMHP_EV_GOING_ONLINE; break;
	case MEM_ONLINE: ev = MEMHP_EV_ONLINE; break;
	case MEM_CANCEL_ONLINE: ev = MEMHP_EV_CANCEL_ONLINE; break;
	case MEM_GOING_OFFLINE: ev = MEMHP_EV_GOING_OFFLINE; break;
	case MEM_OFFLINE: ev = MEMHP_EV_OFFLINE; break;
	case MEM_CANCEL_OFFLINE: ev = MEMHP_EV_CANCEL_OFFLINE; break;
	default: return NOTIFY_DONE;
	}
	/*
	 * Not status_change_nid: the kernel sets that only when a node gains
	 * its first or loses its last memory.  The block's pages belong to
	 * their zone, and so to their node, from before MEM_GOING_ONLINE
	 * until after MEM_OFFLINE/MEM_CANCEL_ONLINE.
	 */
	memhp_event(ev, PFN_PHYS(mn->start_pfn), PFN_PHYS(mn->nr_pages),
		    pfn_to_nid(mn->start_pfn), 0);
	return NOTIFY_OK;
}

static struct notifier_block memhp_nb = {
	.notifier_call = memhp_notify,
};

struct reader {
	struct mutex lock;	/* two read()s of one descriptor at once */
	u64 seq;	/* next record this reader gets; under @lock */
};

static int events_open(struct inode *inode, struct file *file)
{
	struct reader *rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	unsigned long flags;

	if (!rd)
		return -ENOMEM;
	mutex_init(&rd->lock);
	spin_lock_irqsave(&ring_lock, flags);
	rd->seq = ring_head > RING_SIZE ? ring_head - RING_SIZE : 0;
	spin_unlock_irqrestore(&ring_lock, flags);
	file->private_data = rd;
	return stream_open(inode, file);
}

static int events_release(struct inode *inode, struct file *file)
{
	struct reader *rd = file->private_data;

	mutex_destroy(&rd->lock);
	kfree(rd);
	return 0;
}

/* Formats the reader's next record (or a "lost" line) into @line. */
static int next_line(struct reader *rd, char *line, size_t size)
{
	unsigned long flags;
	struct record r;
	u64 lost = 0;
	int len;

	lockdep_assert_held(&rd->lock);
	spin_lock_irqsave(&ring_lock, flags);
	if (rd->seq == ring_head) {
		spin_unlock_irqrestore(&ring_lock, flags);
		return 0;
	}
	if (ring_head - rd->seq > RING_SIZE) {
		lost = ring_head - RING_SIZE - rd->seq;
		WRITE_ONCE(rd->seq, ring_head - RING_SIZE);
	}
	r = ring[rd->seq & (RING_SIZE - 1)];
	if (!lost)
		WRITE_ONCE(rd->seq, rd->seq + 1);
	spin_unlock_irqrestore(&ring_lock, flags);

	if (lost)
		len = scnprintf(line, size, "lost %llu\n", lost);
	else
		len = scnprintf(line, size, "%llu %s %#llx %#llx %d %d\n",
				r.ns, event_names[r.ev], r.start, r.size,
				r.nid, r.err);
	return len;
}

/* Unlocked, for waiting and poll: a stale answer only means one more loop */
static bool has_data(struct reader *rd)
{
	return READ_ONCE(ring_head) != READ_ONCE(rd->seq);
}

static ssize_t events_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct reader *rd = file->private_data;
	char line[LINE_MAX_LEN];
	size_t done = 0;
	int ret;

	if (count < LINE_MAX_LEN)
		return -EINVAL;
	for (;;) {
		while (!has_data(rd)) {
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(ring_wait, has_data(rd));
			if (ret)
				return ret;
		}
		ret = mutex_lock_interruptible(&rd->lock);
		if (ret)
			return ret;
		/* whole lines only */
		while (count - done >= LINE_MAX_LEN) {
			u64 seq = rd->seq;
			int len = next_line(rd, line, sizeof(line));

			if (!len)
				break;
			if (copy_to_user(buf + done, line, len)) {
				WRITE_ONCE(rd->seq, seq);
				mutex_unlock(&rd->lock);
				return done ? done : -EFAULT;
			}
			done += len;
		}
		mutex_unlock(&rd->lock);
		/* another read() of this descriptor took them: wait again */
		if (done)
			return done;
	}
}

static __poll_t events_poll(struct file *file, poll_table *wait)
{
	struct reader *rd = file->private_data;

	poll_wait(file, &ring_wait, wait);
	return has_data(rd) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations events_fops = {
	.owner = THIS_MODULE,
	.open = events_open,
	.release = events_release,
	.read = events_read,
	.poll = events_poll,
};

static struct miscdevice events_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "memhp",
	.fops = &events_fops,
	.mode = 0400,
};

int memhp_events_init(void)
{
	int ret = register_memory_notifier(&memhp_nb);

	if (ret)
		return ret;
	ret = misc_register(&events_dev);
	if (ret)
		unregister_memory_notifier(&memhp_nb);
	return ret;
}

void memhp_events_exit(void)
{
	misc_deregister(&events_dev);
	unregister_memory_notifier(&memhp_nb);
}
