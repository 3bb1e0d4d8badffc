/**
 * Building blocks shared by every network: convolutions, norms, linear layers, attention, ResNet
 * blocks and resamplers, each loaded from its diffusers keys where it is made.
 */
package org.bivdiff.models.blocks;
