package org.bivdiff.io.hub;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub as a user names it: {@code ORG/NAME[@REVISION][/SUBFOLDER]}, for
 * example {@code stable-diffusion-v1-5/stable-diffusion-v1-5}, {@code lllyasviel/control_v11p_sd15_canny@main}
 * or {@code stabilityai/stable-diffusion-2-1-base/unet}. The revision is a branch, a tag or a commit hash
 * (without {@code /}); without one it is {@code main}. Repository names follow the Hub's rules
 * ({@code huggingface_hub/utils/_validators.py}): letters, digits, {@code _ - .}, at most 96 characters,
 * starting and ending with a letter or digit, no {@code --} or {@code ..}.
 *
 * @param repo      {@code ORG/NAME}
 * @param revision  the branch, tag or commit hash
 * @param subfolder a folder inside the repository ({@code unet}), or empty for its root
 */
public record ModelId(String repo, String revision, String subfolder) {

    /** The revision of an id that names none. */
    public static final String DEFAULT_REVISION = "main";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[\\w.-]{0,94}[A-Za-z0-9])?");
    private static final Pattern REVISION = Pattern.compile("[\\w.-]+");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern FOLDER = Pattern.compile("[\\w.-]+");

    public ModelId {
        if (!validRepo(repo) || !validRevision(revision) || !validSubfolder(subfolder)) {
            throw new IllegalArgumentException("not a model id: repository '" + repo + "', revision '" + revision
                    + "', subfolder '" + subfolder + "'");
        }
    }

    /** {@code repo} at {@code main}, no subfolder. */
    public static ModelId of(String repo) {
        return new ModelId(repo, DEFAULT_REVISION, "");
    }

    /** The id {@code spec} spells, or empty if it is not one (a path, a single name, a bad character). */
    public static Optional<ModelId> parse(String spec) {
        if (spec == null || spec.isEmpty() || spec.startsWith("/") || spec.startsWith("~") || spec.contains("\\")
                || spec.contains("//")) {
            return Optional.empty();
        }
        String s = spec.endsWith("/") ? spec.substring(0, spec.length() - 1) : spec;
        List<String> parts = Arrays.asList(s.split("/", -1));
        if (parts.size() < 2) {
            return Optional.empty();
        }
        String org = parts.get(0);
        String nameAndRevision = parts.get(1);
        int at = nameAndRevision.indexOf('@');
        String name = at < 0 ? nameAndRevision : nameAndRevision.substring(0, at);
        String revision = at < 0 ? DEFAULT_REVISION : nameAndRevision.substring(at + 1);
        String subfolder = String.join("/", parts.subList(2, parts.size()));
        if (!validName(org) || !validName(name) || !validRevision(revision) || !validSubfolder(subfolder)) {
            return Optional.empty();
        }
        return Optional.of(new ModelId(org + "/" + name, revision, subfolder));
    }

    /**
     * The id {@code spec} spells.
     *
     * @throws HubException explaining the expected form
     */
    public static ModelId require(String spec) throws HubException {
        return parse(spec).orElseThrow(() -> new HubException("'" + spec + "' is not a model id: expected "
                + "ORG/NAME[@REVISION][/SUBFOLDER], e.g. stable-diffusion-v1-5/stable-diffusion-v1-5 or "
                + "lllyasviel/control_v11p_sd15_canny@main"));
    }

    /** True if {@code revision} is a full commit hash, which never moves. */
    public static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    /** The cache folder of the repository: {@code models--ORG--NAME}. */
    public String folderName() {
        return "models--" + repo.replace("/", "--");
    }

    /** The same repository and revision, without a subfolder. */
    public ModelId root() {
        return new ModelId(repo, revision, "");
    }

    /** {@code repo}, with {@code @revision} unless it is {@code main}. */
    public String repoAtRevision() {
        return revision.equals(DEFAULT_REVISION) ? repo : repo + "@" + revision;
    }

    @Override
    public String toString() {
        return repoAtRevision() + (subfolder.isEmpty() ? "" : "/" + subfolder);
    }

    private static boolean validRepo(String s) {
        int slash = s == null ? -1 : s.indexOf('/');
        return slash > 0 && validName(s.substring(0, slash)) && validName(s.substring(slash + 1));
    }

    private static boolean validName(String s) {
        return NAME.matcher(s).matches() && !s.contains("--") && !s.contains("..") && !s.endsWith(".git");
    }

    private static boolean validRevision(String s) {
        return s != null && REVISION.matcher(s).matches() && !s.contains("..");
    }

    private static boolean validSubfolder(String s) {
        if (s == null) {
            return false;
        }
        if (s.isEmpty()) {
            return true;
        }
        for (String part : s.split("/", -1)) {
            if (!FOLDER.matcher(part).matches() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
