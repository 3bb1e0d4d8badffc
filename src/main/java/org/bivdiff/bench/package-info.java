/**
 * The benchmark behind {@code bivdiff bench}: full-size random-weight models in a cache, each
 * network timed at the shapes BIVDiff runs it, with FLOPs counted from its graph, memory from
 * {@code /proc/self/status} and the machine's fp32 peak from a GEMM probe; whole runs per stage (wall, load and
 * network time), and always the other processes' CPU time, which says whether the figures shared the machine.
 */
package org.bivdiff.bench;
