package org.bivdiff.pipelines;

import java.util.List;

import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * The steps the image pipelines share, each written once: checks, prompt encoding, latent preparation, the
 * denoising loop with its trace, VAE encoding and decoding.
 */
public final class PipelineSteps {

    private PipelineSteps() {
    }

    /**
     * diffusers' {@code check_inputs} size rule: height and width positive multiples of 8 and of the VAE scale
     * factor, so the latents are whole.
     */
    public static void checkSize(int height, int width, int vaeScaleFactor) {
        int multiple = lcm(8, vaeScaleFactor);
        if (height <= 0 || width <= 0 || height % multiple != 0 || width % multiple != 0) {
            throw new IllegalArgumentException("height and width must be positive multiples of " + multiple
                    + " (8, and the VAE scale factor " + vaeScaleFactor + "), got " + height + "x" + width);
        }
    }

    /** Fails unless {@code image} is (F, channels, height, width) with F >= 1. */
    public static void checkImage(String what, Tensor image, int channels, int height, int width) {
        int[] s = image.shape();
        if (s.length != 4 || s[0] < 1 || s[1] != channels || s[2] != height || s[3] != width) {
            throw new IllegalArgumentException(what + " must be (F, " + channels + ", " + height + ", " + width
                    + "), got " + java.util.Arrays.toString(s));
        }
    }

    /** Fails unless the UNet takes {@code channels} input channels, naming the kind of UNet needed. */
    public static void checkUNetChannels(UNet2DConditionModel unet, int channels, String pipeline) {
        int in = unet.config().inChannels();
        if (in != channels) {
            throw new IllegalArgumentException(pipeline + " needs a UNet with in_channels = " + channels + ", this one"
                    + " has " + in);
        }
    }

    /** The prompt's states for F frames: (F, S, D) each, the negative ones only with guidance. */
    static PromptEmbeddings encodePrompt(StableDiffusionModels models, Prompt prompt, int frames, boolean guidance) {
        return models.promptEncoder().encode(List.of(prompt.prompt()), List.of(prompt.negativePrompt()), frames,
                guidance);
    }

    /**
     * Starts the sessions of a run that come after the text encoder's, the UNet's of {@code conditioning} and the VAE
     * decoder's, on background threads ({@link org.bivdiff.graph.LazySessions#prefetch}), so that they load beside
     * the prompt encoding and each other rather than one after the other. The numbers computed are the same.
     */
    static void prefetch(StableDiffusionModels models, UNet2DConditionModel.Conditioning conditioning) {
        models.unet().prefetch(conditioning);
        models.vae().prefetchDecoder();
    }

    /**
     * diffusers' {@code prepare_latents} from pure noise: draw 0 of {@link RunNoise#latents()} times
     * {@code init_noise_sigma}.
     *
     * @return (frames, channels, h, w)
     */
    static Tensor prepareLatents(Sampling sampling, Scheduler scheduler, int frames, int channels, int h, int w) {
        Tensor noise = sampling.noise().latents().draw(0, frames, channels, h, w);
        return Tensors.scale(noise, scheduler.initNoiseSigma());
    }

    /** {@code scaling_factor * vae.encode(image).latent_dist.sample()} with VAE draw {@code draw}. */
    static Tensor encodeSample(AutoencoderKL vae, Tensor signedImage, Sampling sampling, int draw) {
        var posterior = vae.encode(signedImage);
        Tensor noise = sampling.noise().vae().draw(draw, posterior.mean().shape());
        return Tensors.scale(posterior.sample(noise), vae.scalingFactor());
    }

    /** The one loop, from {@code startStep}, recording into {@code recorder}. */
    static Tensor denoise(Sampling sampling, Scheduler scheduler, Tensor latents, NoisePredictor model, int startStep,
                          Trace.Recorder recorder, String stage) {
        return denoise(sampling, scheduler, latents, model, startStep, recorder, stage,
                DenoisingLoop.StepCallback.NONE);
    }

    /** The one loop, with {@code callback} replacing each step's latents. */
    public static Tensor denoise(Sampling sampling, Scheduler scheduler, Tensor latents, NoisePredictor model, int startStep,
                          Trace.Recorder recorder, String stage, DenoisingLoop.StepCallback callback) {
        return DenoisingLoop.run(DenoisingLoop.Request.of(scheduler, latents, model).withStartStep(startStep)
                .withNoise(sampling.noise().steps()).withEvents(stage, sampling.events().alsoObservedBy(recorder))
                .withStepCallback(callback));
    }

    /** Decodes the final latents and postprocesses them to [0, 1]. */
    public static ImageResult finish(StableDiffusionModels models, Tensor latents, Trace.Recorder recorder) {
        Tensor decoded = models.vae().decode(Tensors.divide(latents, models.vae().scalingFactor()));
        return new ImageResult(latents, decoded, Tensors.denormalize(decoded), recorder.trace());
    }

    /**
     * diffusers' {@code get_timesteps} for a strength: the loop starts at step
     * {@code n - min(int(n * strength), n)}; at least one step must remain.
     */
    static int startStep(int steps, double strength) {
        int init = Math.min((int) (steps * strength), steps);
        if (init < 1) {
            throw new IllegalArgumentException("strength " + strength + " with " + steps + " steps leaves no step to"
                    + " run (int(steps * strength) = 0); raise the strength or the steps");
        }
        return steps - init;
    }

    static void checkStrength(double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int r = x % y;
            x = y;
            y = r;
        }
        return a / x * b;
    }
}
