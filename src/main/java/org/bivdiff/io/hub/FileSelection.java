package org.bivdiff.io.hub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which files of a repository a pull takes. Weight files are recognised by the names diffusers and
 * transformers save ({@code diffusion_pytorch_model}, {@code model}, {@code pytorch_model}; an optional
 * variant such as {@code fp16}; optional {@code -00001-of-00002} shards; {@code .safetensors} or
 * {@code .bin}; their {@code .index.json} files), and in each folder only one set of them is taken: the
 * format loaded best first (safetensors, else {@code .bin}), and within it the requested variant, else
 * the plain files ({@code fp16} standing in for missing plain files, as {@link org.bivdiff.io.Checkpoint}
 * does). That is diffusers' own choice ({@code pipelines/pipeline_loading_utils.py}:
 * {@code variant_compatible_siblings}), with the format decided per folder.
 *
 * <p>Without patterns, a pull takes what a diffusers pipeline needs: every {@code .json} and {@code .txt}
 * file (configs, {@code model_index.json}, the tokenizer's vocabulary and merges) and the chosen weights,
 * except those of {@code safety_checker/}, which bivdiff never runs. Single-file checkpoints beside the
 * diffusers folders ({@code v1-5-pruned-emaonly.safetensors}), pictures and read-me files are left. With
 * {@code --include} patterns, the files matching any of them, weights still chosen per folder.
 *
 * @param include the patterns; empty for the default selection
 * @param variant the weight variant to prefer ({@code fp16}), or empty for the plain files
 */
public record FileSelection(List<Glob> include, Optional<String> variant) {

    private static final Pattern WEIGHTS = Pattern.compile(
            "(diffusion_pytorch_model|model|pytorch_model)(?:\\.(\\w+))?(-\\d{5}-of-\\d{5})?(?:\\.(\\w+))?"
                    + "\\.(safetensors|bin)");
    private static final Pattern INDEX = Pattern.compile(
            "(diffusion_pytorch_model|model|pytorch_model)(?:\\.(\\w+))?\\.(safetensors|bin)(?:\\.(\\w+))?\\.index"
                    + "(?:\\.(\\w+))?\\.json");
    private static final String FP16 = "fp16";
    private static final String UNUSED_FOLDER = "safety_checker/";
    private static final int OTHER_VARIANT = 100;

    public FileSelection {
        include = List.copyOf(include);
    }

    /** What a diffusers pipeline needs, plain weights. */
    public static FileSelection pipeline() {
        return new FileSelection(List.of(), Optional.empty());
    }

    /** The files of {@code files} to take, sorted. */
    public List<String> select(List<String> files) {
        Map<String, Map<WeightSet, List<String>>> weightsByFolder = new TreeMap<>();
        List<String> chosen = new ArrayList<>();
        for (String f : files) {
            Optional<WeightSet> set = weightSet(f);
            if (!wanted(f, set.isPresent())) {
                continue;
            }
            if (set.isPresent()) {
                weightsByFolder.computeIfAbsent(folderOf(f), k -> new LinkedHashMap<>())
                        .computeIfAbsent(set.get(), k -> new ArrayList<>()).add(f);
            } else {
                chosen.add(f);
            }
        }
        for (Map<WeightSet, List<String>> sets : weightsByFolder.values()) {
            sets.keySet().stream().filter(s -> rank(s) < OTHER_VARIANT).min(Comparator.comparingInt(this::rank))
                    .ifPresent(best -> chosen.addAll(sets.get(best)));
        }
        return new ArrayList<>(new TreeSet<>(chosen));
    }

    /** How the pull spells this selection: the {@code --include} and {@code --variant} options, or nothing. */
    public String options() {
        StringBuilder sb = new StringBuilder();
        for (Glob g : include) {
            sb.append(" --include '").append(g).append('\'');
        }
        variant.ifPresent(v -> sb.append(" --variant ").append(v));
        return sb.toString();
    }

    private boolean wanted(String file, boolean weights) {
        if (!include.isEmpty()) {
            return include.stream().anyMatch(g -> g.matches(file));
        }
        if (weights) {
            return !file.startsWith(UNUSED_FOLDER);
        }
        return file.endsWith(".json") || file.endsWith(".txt");
    }

    /** Lower is better: safetensors before .bin, then the requested variant, plain, fp16; other variants never. */
    private int rank(WeightSet s) {
        int format = s.format().equals("safetensors") ? 0 : 10;
        String wantedVariant = variant.orElse("");
        if (s.variant().equals(wantedVariant)) {
            return format;
        } else if (s.variant().isEmpty()) {
            return format + 1;
        } else if (s.variant().equals(FP16)) {
            return format + 2;
        }
        return OTHER_VARIANT;   // other variants (non_ema, ...) only when asked for
    }

    /** The weight set {@code file} belongs to, if it is a weight file or a weight index. */
    static Optional<WeightSet> weightSet(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        Matcher m = WEIGHTS.matcher(name);
        if (m.matches()) {
            String variant = m.group(2) != null ? m.group(2) : m.group(3) != null && m.group(4) != null ? m.group(4) : "";
            if (m.group(3) == null && m.group(4) != null) {
                return Optional.empty();   // "model.a.b.safetensors" is no weight name diffusers writes
            }
            return Optional.of(new WeightSet(m.group(5), variant));
        }
        m = INDEX.matcher(name);
        if (m.matches()) {
            String variant = m.group(2) != null ? m.group(2) : m.group(4) != null ? m.group(4)
                    : m.group(5) != null ? m.group(5) : "";
            return Optional.of(new WeightSet(m.group(3), variant));
        }
        return Optional.empty();
    }

    private static String folderOf(String file) {
        int slash = file.lastIndexOf('/');
        return slash < 0 ? "" : file.substring(0, slash);
    }

    /** One set of weights of a folder: a format and a variant (empty for the plain files). */
    record WeightSet(String format, String variant) {
    }
}
