package org.bivdiff.cli.config;

/** BIVDiff's official config files, as the tests write them. */
public final class OfficialConfigFiles {

    private OfficialConfigFiles() {
    }

    /**
     * An official config: the sections and keys of BIVDiff's {@code configs/*.yaml}, with image model {@code idm}
     * (its {@code IDM} section's body {@code idmSection}) and video model {@code vdm} ({@code VidRD} or
     * {@code ZeroScope}), the paths of the originals.
     */
    public static String config(String idm, String idmSection, String vdm) {
        String vdmSection = vdm.equals("VidRD") ? """
                  VidRD:
                    _target_: models.ReuseAndDiffuse.model.SDVideoModel
                    pretrained_model_path: "./checkpoints/stable-diffusion-2-1-base/"
                    ckpt_path: "./checkpoints/VidRD/ModelT2V.pth"
                    guidance_scale: 7.5
                    num_inference_steps: 50
                    resolution: 256
                    add_temp_embed: true
                    add_temp_conv: true
                """ : """
                  ZeroScope:
                    ckpt_path: "./checkpoints/ZeroScope/zeroscope_v2_576w"
                """;
        return """
                hydra:
                  output_subdir: null
                  run:
                    dir: .

                VDM:
                %s
                IDM:
                  %s:
                    %s

                MixedInversion:
                  idm: "SD-v15"
                  pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"

                Model:
                  idm: "%s"
                  vdm: "%s"
                  idm_prompt : "A red square slides past a blue ball"
                  vdm_prompt : "A red square slides past a blue ball"
                  video_path: "./data/car-turn.mp4"
                  output_path: "./outputs/"
                  video_length: 8
                  width: 512
                  height: 512
                  frame_rate: 4
                  seed: 42
                  guidance_scale: 7.5
                  num_inference_steps: 50
                """.formatted(vdmSection, idm, idmSection, idm, vdm);
    }
}
