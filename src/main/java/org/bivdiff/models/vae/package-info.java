/** The variational autoencoder between pixels and latents (diffusers' AutoencoderKL). */
package org.bivdiff.models.vae;
