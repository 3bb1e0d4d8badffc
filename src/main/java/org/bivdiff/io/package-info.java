/**
 * Reading and writing model files: safetensors, sharded checkpoints, diffusers folders and their configs;
 * and CSV tables (a benchmark's prompts, score files).
 */
package org.bivdiff.io;
