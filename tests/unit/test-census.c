// SPDX-License-Identifier: GPL-2.0-or-later
/* The census of a block's pages: the flag classifier, and whole censuses
 * and verdicts over a proc/kpageflags written here. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "private.h"
#include "tree.h"

#define MEM "sys/devices/system/memory/"
#define B(bit) (1ull << (bit))

/* ---- the classifier ----------------------------------------------------- */

TEST(census_kind_of_each_flag_word)
{
	/* a page with no struct page, whatever else is set */
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_NOPAGE)) == MEMHP_PAGE_HOLE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_NOPAGE) | B(MEMHP_KPF_SLAB)) ==
	      MEMHP_PAGE_HOLE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_BUDDY)) == MEMHP_PAGE_FREE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_SLAB) | B(MEMHP_KPF_COMPOUND_TAIL)) ==
	      MEMHP_PAGE_SLAB);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_PGTABLE)) == MEMHP_PAGE_PAGETABLE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_RESERVED)) == MEMHP_PAGE_RESERVED);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_ZERO_PAGE)) == MEMHP_PAGE_RESERVED);
	/* LRU anon and file; shmem is swap-backed but not anon: file */
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_LRU) | B(MEMHP_KPF_ANON) |
			     B(MEMHP_KPF_MMAP)) == MEMHP_PAGE_ANON);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_LRU)) == MEMHP_PAGE_FILE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_LRU) | B(14)) == MEMHP_PAGE_FILE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_THP) | B(MEMHP_KPF_COMPOUND_TAIL)) ==
	      MEMHP_PAGE_FILE);
	/* unevictable and mlocked before anon/file */
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_LRU) | B(MEMHP_KPF_ANON) |
			     B(MEMHP_KPF_UNEVICTABLE)) == MEMHP_PAGE_UNEVICTABLE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_LRU) | B(MEMHP_KPF_MLOCKED)) ==
	      MEMHP_PAGE_UNEVICTABLE);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_HUGE) | B(MEMHP_KPF_COMPOUND_HEAD)) ==
	      MEMHP_PAGE_HUGETLB);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_OFFLINE)) == MEMHP_PAGE_DRIVER);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_HWPOISON) | B(MEMHP_KPF_LRU)) ==
	      MEMHP_PAGE_HWPOISON);
	/* in use, and nothing says by what */
	CHECK(memhp_kpf_kind(0) == MEMHP_PAGE_OTHER);
	CHECK(memhp_kpf_kind(B(35)) == MEMHP_PAGE_OTHER);
	CHECK(memhp_kpf_kind(B(MEMHP_KPF_MMAP)) == MEMHP_PAGE_OTHER);
}

TEST(census_names)
{
	CHECK_STR(memhp_page_kind_name(MEMHP_PAGE_FREE), "free");
	CHECK_STR(memhp_page_kind_name(MEMHP_PAGE_PAGETABLE), "pagetable");
	CHECK_STR(memhp_page_kind_name(MEMHP_PAGE_HOLE), "hole");
	CHECK(memhp_page_kind_name(MEMHP_NR_PAGE_KINDS) == NULL);
	CHECK_STR(memhp_verdict_name(MEMHP_VERDICT_WONT_GO), "will-not-go");
	CHECK_STR(memhp_verdict_name(MEMHP_VERDICT_MAY_RETRY), "may-retry");
	CHECK(memhp_verdict_name((enum memhp_verdict)99) == NULL);
}

/* ---- whole blocks --------------------------------------------------------- */

/* 8 MiB blocks: 2048 pages of 4K each */
#define PAGES 2048u

static const char *census_tree(void)
{
	const char *root = tree_new();

	tree_put(root, MEM "block_size_bytes", "800000\n");
	for (uint64_t id = 0; id < 4; id++)
		tree_block(root, id, "online", "Normal", 0);
	tree_put(root, "proc/.keep", "");
	return root;
}

/* Writes @n words of @flags for block @id, from page @first of it. */
static void put_flags(const char *root, const char *file, uint64_t id,
		      uint64_t first, const uint64_t *flags, size_t n)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/proc/%s", root, file);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, flags, n * 8, (off_t)((id * PAGES + first) * 8)) ==
	      (ssize_t)(n * 8));
	close(fd);
}

static void fill(const char *root, uint64_t id, uint64_t first, size_t n,
		 uint64_t f)
{
	uint64_t *w = malloc(n * 8);

	CHECK(w);
	for (size_t i = 0; i < n; i++)
		w[i] = f;
	put_flags(root, "kpageflags", id, first, w, n);
	free(w);
}

static struct memhp_census *census_of(const char *root, uint64_t id)
{
	struct memhp_ctx *ctx;
	struct memhp_census *c;

	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_census_new(ctx, id, &c) == 0);
	memhp_unref(ctx);
	CHECK(memhp_census_is_available(c));
	CHECK_EQ_U64(memhp_census_get_total(c), PAGES);
	return c;
}

TEST(census_counts_kinds_and_judges)
{
	const char *root = census_tree();
	const uint64_t lru = B(MEMHP_KPF_LRU), anon = lru | B(MEMHP_KPF_ANON);
	struct memhp_census *c;

	/* block 1: free, file, anon: it will go */
	fill(root, 1, 0, 1000, B(MEMHP_KPF_BUDDY));
	fill(root, 1, 1000, 600, lru);
	fill(root, 1, 1600, 448, anon);
	/* block 2: the same with slab and page tables: it will not */
	fill(root, 2, 0, 2000, B(MEMHP_KPF_BUDDY));
	fill(root, 2, 2000, 40, B(MEMHP_KPF_SLAB));
	fill(root, 2, 2040, 8, B(MEMHP_KPF_PGTABLE));
	/* block 3: mlocked and unflagged pages: retries */
	fill(root, 3, 0, 2040, B(MEMHP_KPF_BUDDY));
	fill(root, 3, 2040, 4, lru | B(MEMHP_KPF_MLOCKED));
	fill(root, 3, 2044, 4, 0);	/* flagless pages in use */

	c = census_of(root, 1);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_FREE), 1000);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_FILE), 600);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_ANON), 448);
	CHECK_EQ_U64(memhp_census_get_in_use(c), 1048);
	CHECK_EQ_U64(memhp_census_get_unmovable(c), 0);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_WILL_GO);
	CHECK_STR(memhp_census_get_why(c), "1048 pages to migrate, 1000 free");
	memhp_census_free(c);

	c = census_of(root, 2);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_SLAB), 40);
	CHECK_EQ_U64(memhp_census_get_unmovable(c), 48);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_WONT_GO);
	CHECK_STR(memhp_census_get_why(c), "held by 40 slab, 8 page-table");
	memhp_census_free(c);

	c = census_of(root, 3);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_UNEVICTABLE), 4);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_OTHER), 4);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_MAY_RETRY);
	CHECK_STR(memhp_census_get_why(c), "must move or free 4 unidentified "
		  "kernel, 4 unevictable or mlocked");
	memhp_census_free(c);
}

TEST(census_past_the_end_is_holes_and_offline)
{
	const char *root = census_tree();
	struct memhp_census *c;

	/* the file ends inside block 1: block 2 has no pages at all */
	fill(root, 1, 0, PAGES, B(MEMHP_KPF_NOPAGE));
	c = census_of(root, 2);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_HOLE), PAGES);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_OFFLINE);
	memhp_census_free(c);
}

TEST(census_tails_and_gigantic_pages)
{
	const char *root = census_tree();
	const uint64_t huge = B(MEMHP_KPF_HUGE), head =
		B(MEMHP_KPF_COMPOUND_HEAD), tail = B(MEMHP_KPF_COMPOUND_TAIL);
	uint64_t map[PAGES] = { 0 };
	struct memhp_census *c;

	/* block 1: two 2M hugetlb pages, then a file THP whose tails say
	 * nothing of their own (6.1 shows them so) */
	fill(root, 1, 0, 1, huge | head);
	fill(root, 1, 1, 511, huge | tail);
	fill(root, 1, 512, 1, huge | head);
	fill(root, 1, 513, 511, huge | tail);
	fill(root, 1, 1024, 1, B(MEMHP_KPF_LRU) | head);
	fill(root, 1, 1025, 511, tail);
	fill(root, 1, 1536, 512, B(MEMHP_KPF_BUDDY));
	c = census_of(root, 1);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_HUGETLB), 1024);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_GIGANTIC), 0);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_FILE), 512);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_OTHER), 0);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_MAY_RETRY);
	memhp_census_free(c);

	/* block 2: the middle of a gigantic page (its head below the
	 * block); free in the pool (no mapping): retries */
	fill(root, 2, 0, PAGES, huge | tail);
	c = census_of(root, 2);
	CHECK_EQ_U64(memhp_census_get_pages(c, MEMHP_PAGE_GIGANTIC), PAGES);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_MAY_RETRY);
	memhp_census_free(c);

	/* mapped (kpagecount): in use, it holds the block */
	map[7] = 1;
	put_flags(root, "kpagecount", 2, 0, map, PAGES);
	c = census_of(root, 2);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_WONT_GO);
	CHECK_STR(memhp_census_get_why(c),
		  "held by 1 gigantic hugetlb pages in use");
	memhp_census_free(c);
}

TEST(census_unavailable_without_kpageflags)
{
	const char *root = census_tree();
	struct memhp_ctx *ctx;
	struct memhp_census *c = NULL;

	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_census_new(ctx, 1, &c) == -ENOENT);
	CHECK(c != NULL);
	CHECK(!memhp_census_is_available(c));
	CHECK_EQ_U64(memhp_census_get_errno(c), ENOENT);
	CHECK(memhp_census_get_verdict(c) == MEMHP_VERDICT_UNKNOWN);
	CHECK_EQ_U64(memhp_census_get_in_use(c), 0);
	memhp_census_free(c);
	memhp_unref(ctx);
}

/* ---- the kernel's words ------------------------------------------------- */

TEST(kmsg_keeps_the_block_s_records_and_their_dump)
{
	char lines[MEMHP_KMSG_MAX][MEMHP_KMSG_LINE];
	/* block 2 of 8 MiB blocks: pfns 0x1000-0x17ff, bytes 0x1000000- */
	const char *log =
		"4,1,5,-;migrating pfn fff failed ret:-16\n"
		"4,2,5,-;flags: 0x10(lru)\n"
		"4,3,6,-;migrating pfn 1000 failed ret:-16\n"
		" SUBSYSTEM=memory\n"
		"4,4,6,-;page:00000000abcd refcount:2 mapcount:0 pfn:0x17ff\n"
		"4,5,6,-;flags: 0x80(slab)\n"
		"4,6,6,-;page dumped because: unmovable page\n"
		"6,7,7,-;eth0: link up\n"
		"4,8,7,-;flags: 0x80(slab)\n"
		"4,9,8,-;failed to isolate pfn 1800\n"
		"7,10,9,-;memory offlining [mem 0x0001000000-0x00017fffff] failed due to failure to isolate range\n"
		"4,11,9,-;a_pfn 1001 is not a pfn\n"
		"4,12,10,-;migrating pfn 1000 failed ret:-16\n";
	size_t n = memhp_kmsg_filter(log, 0x1000, 0x800, 4096, lines, 0,
				     MEMHP_KMSG_MAX);

	CHECK_EQ_U64(n, 5);
	CHECK_STR(lines[0], "migrating pfn 1000 failed ret:-16");
	CHECK_STR(lines[1], "page:00000000abcd refcount:2 mapcount:0 pfn:0x17ff");
	CHECK_STR(lines[2], "flags: 0x80(slab)");
	CHECK_STR(lines[3], "page dumped because: unmovable page");
	CHECK_STR(lines[4], "memory offlining [mem 0x0001000000-0x00017fffff] "
		  "failed due to failure to isolate range");
	/* appending after what is kept: a repeat is kept once, and it stops
	 * at the maximum */
	strcpy(lines[1], "x");
	strcpy(lines[2], "y");
	CHECK_EQ_U64(memhp_kmsg_filter(log, 0x1000, 0x800, 4096, lines, 3, 4),
		     4);
	CHECK_STR(lines[3], "page:00000000abcd refcount:2 mapcount:0 pfn:0x17ff");
}

/* ---- what overlaps a block ------------------------------------------------ */

TEST(census_memory_holes_from_iomem_system_ram)
{
	const char *root = census_tree();
	struct memhp_ctx *ctx;
	uint64_t ram = 0;

	/* block 1 (pfns 2048-4095): System RAM to pfn 2303 with a partial
	 * page at its end (not counted, as the kernel's PFN_DOWN), a hole,
	 * then a kmem range inside a dax device from pfn 3072 on; a child
	 * resource and an overlapping System RAM are counted once */
	tree_put(root, "proc/iomem",
		 "00000000-008fffff : System RAM\n"
		 "  00800000-008003ff : Kernel code\n"
		 "00900000-009007ff : System RAM\n"
		 "00c00000-01ffffff : dax0.0\n"
		 "  00c00000-01ffffff : System RAM (kmem)\n"
		 "00e00000-00efffff : System RAM\n");
	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_iomem_ram_pages(ctx, 2048, PAGES, 4096, &ram) == 0);
	CHECK_EQ_U64(ram, 256 + 1024);
	/* block 0 whole, block 2 whole (the kmem range) */
	CHECK(memhp_iomem_ram_pages(ctx, 0, PAGES, 4096, &ram) == 0);
	CHECK_EQ_U64(ram, PAGES);
	CHECK(memhp_iomem_ram_pages(ctx, 2 * PAGES, PAGES, 4096, &ram) == 0);
	CHECK_EQ_U64(ram, PAGES);
	memhp_unref(ctx);
	/* read without root: every address 0, nothing known */
	tree_put(root, "proc/iomem", "00000000-00000000 : System RAM\n");
	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_iomem_ram_pages(ctx, 2048, PAGES, 4096, &ram) == -ENODATA);
	memhp_unref(ctx);
}

TEST(census_cma_areas_from_debugfs_checked_by_meminfo)
{
	const char *root = census_tree();
	const char *src = NULL;
	struct memhp_ctx *ctx;
	uint64_t pages = 99;

	/* no proc/meminfo: unknown */
	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_cma_pages(ctx, 2048, PAGES, 4096, &pages, &src) ==
	      -ENOENT);
	CHECK(src == NULL);
	memhp_unref(ctx);
	/* no CmaTotal line: a kernel without CMA, no area anywhere */
	tree_put(root, "proc/meminfo", "MemTotal: 32768 kB\n");
	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_cma_pages(ctx, 2048, PAGES, 4096, &pages, &src) == 0);
	CHECK_EQ_U64(pages, 0);
	CHECK_STR(src, "meminfo");
	memhp_unref(ctx);
	/* two areas: 1000 pages across blocks 0 and 1, 512 in block 2 */
	tree_put(root, "proc/meminfo",
		 "MemTotal: 32768 kB\nCmaTotal:  6048 kB\nCmaFree: 0 kB\n");
	tree_put(root, "sys/kernel/debug/cma/a/base_pfn", "1548\n");
	tree_put(root, "sys/kernel/debug/cma/a/count", "1000\n");
	tree_put(root, "sys/kernel/debug/cma/b/base_pfn", "4608\n");
	tree_put(root, "sys/kernel/debug/cma/b/count", "512\n");
	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_cma_pages(ctx, 2048, PAGES, 4096, &pages, &src) == 0);
	CHECK_EQ_U64(pages, 500);
	CHECK_STR(src, "debugfs");
	CHECK(memhp_cma_pages(ctx, 0, PAGES, 4096, &pages, &src) == 0);
	CHECK_EQ_U64(pages, 500);
	CHECK(memhp_cma_pages(ctx, 2 * PAGES, PAGES, 4096, &pages, &src) == 0);
	CHECK_EQ_U64(pages, 512);
	CHECK(memhp_cma_pages(ctx, 3 * PAGES, PAGES, 4096, &pages, &src) == 0);
	CHECK_EQ_U64(pages, 0);
	memhp_unref(ctx);
	/* an area split in ranges (newer kernels) cannot be placed */
	tree_put(root, "sys/kernel/debug/cma/b/ranges/0/base_pfn", "4608\n");
	tree_put(root, "sys/kernel/debug/cma/b/ranges/1/base_pfn", "6000\n");
	CHECK(memhp_new(root, &ctx) == 0);
	CHECK(memhp_cma_pages(ctx, 0, PAGES, 4096, &pages, &src) == -ENODATA);
	CHECK(src == NULL);
	memhp_unref(ctx);
}
