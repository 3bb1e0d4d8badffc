/** T2I-Adapter (diffusers' T2IAdapter): per-level features for the image UNet from a conditioning image. */
package org.bivdiff.models.adapter;
