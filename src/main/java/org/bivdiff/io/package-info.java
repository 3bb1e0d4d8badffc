/**
 * Reading and writing model files: safetensors, PyTorch checkpoints (read without executing their
 * pickles), sharded checkpoints, diffusers folders and their configs.
 */
package org.bivdiff.io;
