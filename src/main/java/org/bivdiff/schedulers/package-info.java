/**
 * Noise schedulers of diffusers 0.23 (DDIM, PNDM, Euler, Euler Ancestral, LMS, DPM-Solver++ 2M) and
 * BIVDiff's DDIM inversion step: immutable once built for N inference steps, noise always passed in,
 * multistep history kept in a per-run {@link org.bivdiff.schedulers.Sampler}.
 */
package org.bivdiff.schedulers;
