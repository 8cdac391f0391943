// jemalloc's settings for the idstitch executable, read by jemalloc at start-up
// (the MALLOC_CONF environment variable still overrides them).
//
// Transparent huge pages: a 1M-event resolve faults in ~50,000 4 KiB pages, and
// on a virtual machine each fault is a trip through the hypervisor. With huge
// pages it takes ~5,000 faults and the run is ~30% faster (bench/ab_compare.sh
// medians, README "Speed and scale"); the dictionary's and union-find's random
// accesses also miss the TLB less. The price is RSS rounded up to 2 MiB
// extents (~+30 MB peak RSS at 1M events: 143 -> 171-176 MB). On a kernel with THP off it is a no-op.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's interface.
const char* malloc_conf = "thp:always,metadata_thp:always";
}
