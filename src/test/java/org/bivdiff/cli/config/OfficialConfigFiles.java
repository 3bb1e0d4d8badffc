package org.bivdiff.cli.config;

/** BIVDiff's official config files that the tests read, as they are in its repository. */
public final class OfficialConfigFiles {

    /** BIVDiff's configs/video_editing_with_prompt2prompt_and_vidrd.yaml, verbatim. */
    public static final String PROMPT2PROMPT_AND_VIDRD = """
            hydra:
              output_subdir: null
              run:
                dir: .

            VDM:
              VidRD:
                _target_: models.ReuseAndDiffuse.model.SDVideoModel
                pretrained_model_path: "./checkpoints/stable-diffusion-2-1-base/"
                ckpt_path: "./checkpoints/VidRD/ModelT2V.pth"
                guidance_scale: 7.5
                num_inference_steps: 50
                resolution: 256
                add_temp_embed: true
                add_temp_conv: true

            IDM:
              Prompt2Prompt:
                mixing_ratio: 0.25
                controller_type: "AttentionRefine" # ["AttentionReplace", "AttentionRefine"]
                # 1. Case without local blend
                prompts: ["A car is moving on the road", "A car is moving on the road in the forest"] # The first is orignial prompt, and the second is the edited prompt
                local_blend_words: []
                # 2. Case with local blend
            #    prompts: [ "A car is moving on the road", "A white car is moving on the road" ]
            #    local_blend_words: ["car", "car"]


            MixedInversion:
              idm: "SD-v15"
              pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"
              # mixing_ratio: 1.0 for ControlNet and InstructPix2Pix, 0.25 for Prompt2Prompt, 0.1 for StableDiffusion-Inpainting


            Model:
              idm: "Prompt2Prompt"
              vdm: "VidRD"
              # 1. Case without local blend
              idm_prompt : "A car is moving on the road"
              vdm_prompt : "A car is moving on the road in the forest"
              # 2. Case with local blend
            #  idm_prompt : "A car is moving on the road"
            #  vdm_prompt : "A white car is moving on the road"
              video_path: "./data/car-turn.mp4"
              output_path: "./outputs/"
              video_length: 8
              width: 512
              height: 512
              frame_rate: 4
              seed: 42
              guidance_scale: 7.5
              num_inference_steps: 50
            """;

    private OfficialConfigFiles() {
    }
}
