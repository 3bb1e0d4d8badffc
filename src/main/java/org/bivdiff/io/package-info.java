/**
 * Reading and writing model files: safetensors, PyTorch checkpoints (read without executing their
 * pickles), sharded checkpoints, diffusers folders and their configs; and CSV tables (a benchmark's
 * prompts, score files).
 */
package org.bivdiff.io;
