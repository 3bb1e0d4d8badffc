/** ControlNet (diffusers' ControlNetModel): residuals for the image UNet from a conditioning image. */
package org.bivdiff.models.controlnet;
