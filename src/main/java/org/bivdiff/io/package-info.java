/**
 * Reading and writing model files: safetensors, sharded checkpoints, diffusers folders and their configs.
 */
package org.bivdiff.io;
