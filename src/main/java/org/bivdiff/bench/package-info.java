/**
 * The benchmark behind {@code bivdiff bench}: full-size random-weight models in a cache, each
 * network timed at the shapes BIVDiff runs it, with FLOPs counted from its graph, memory from
 * {@code /proc/self/status} and the machine's fp32 peak from a GEMM probe.
 */
package org.bivdiff.bench;
