package org.bivdiff.io.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Hub's HTTP protocol as {@code huggingface_hub} speaks it ({@code file_download.py},
 * {@code utils/_http.py}, {@code hf_api.py}), with the JDK's client:
 * <ul>
 * <li>a repository's commit and files: {@code GET {endpoint}/api/models/{repo}/revision/{revision}}
 *     ({@code sha}, {@code siblings[].rfilename});</li>
 * <li>a file's metadata: {@code HEAD {endpoint}/{repo}/resolve/{revision}/{path}} without following
 *     redirects to other hosts (relative ones, a renamed repository, are followed): the commit from
 *     {@code X-Repo-Commit}, the etag from {@code X-Linked-Etag} else {@code ETag}, the size from
 *     {@code X-Linked-Size} else {@code Content-Length}, the download URL from {@code Location} (a CDN
 *     for LFS files);</li>
 * <li>{@code Authorization: Bearer <token>} on requests to the Hub, never to another host;</li>
 * <li>errors told apart by status and {@code X-Error-Code} ({@code RepoNotFound},
 *     {@code RevisionNotFound}, {@code EntryNotFound}, {@code GatedRepo}).</li>
 * </ul>
 */
final class HubClient {

    /** A repository at a revision: the commit it resolves to and every file path in it. */
    record RepoInfo(String commit, List<String> files) {
    }

    /**
     * What a HEAD on a file says.
     *
     * @param commit   the commit the revision resolved to
     * @param etag     the git blob hash of a plain file, the sha256 of an LFS file
     * @param size     the file's size in bytes
     * @param location where to download it from
     */
    record FileMetadata(String commit, String etag, long size, URI location) {
    }

    /** A failure worth another attempt: the connection, a timeout, HTTP 429 or 5xx. */
    static final class TransientException extends HubException {

        private static final long serialVersionUID = 1L;

        TransientException(String message) {
            super(message);
        }

        TransientException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ETAG = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._-]*");
    /** huggingface_hub's default for metadata requests and for the start of a download. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "bivdiff; java/" + Runtime.version().feature();

    private final HubSettings settings;
    private final HttpClient http;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(TIMEOUT).build();
    }

    /** The commit {@code id}'s revision is at and the repository's files. */
    RepoInfo repoInfo(ModelId id) throws IOException {
        URI url = URI.create(settings.endpoint() + "/api/models/" + id.repo() + "/revision/"
                + quote(id.revision(), false));
        HttpResponse<byte[]> r = sendFollowingRelative(url, "GET", HttpResponse.BodyHandlers.ofByteArray());
        requireOk(r, id, null);
        JsonNode root;
        try {
            root = JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw new HubException(url + ": the answer is not JSON: " + e.getOriginalMessage());
        }
        String sha = root == null ? null : root.path("sha").asText(null);
        if (sha == null || !ModelId.isCommit(sha)) {
            throw new HubException(url + ": the answer has no commit hash ('sha'), got " + sha);
        }
        List<String> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            files.add(HubCache.requireRelative(s.path("rfilename").asText(""), id));
        }
        return new RepoInfo(sha, files);
    }

    /** The metadata of {@code file} at {@code commit}. */
    FileMetadata metadata(ModelId id, String commit, String file) throws IOException {
        URI url = resolveUrl(id, commit, file);
        HttpResponse<Void> r = sendFollowingRelative(url, "HEAD", HttpResponse.BodyHandlers.discarding());
        requireOk(r, id, file);
        URI at = r.request().uri();
        boolean redirect = r.statusCode() / 100 == 3;
        String repoCommit = header(r, "X-Repo-Commit").orElse(null);
        String etag = header(r, "X-Linked-Etag").or(() -> header(r, "ETag")).map(HubClient::normalizeEtag).orElse(null);
        String size = header(r, "X-Linked-Size").or(() -> redirect ? Optional.empty() : header(r, "Content-Length"))
                .orElse(null);
        String where = id.repoAtRevision() + ": " + file + ": ";
        if (repoCommit == null || !ModelId.isCommit(repoCommit)) {
            throw new HubException(where + at + " is not a Hugging Face Hub (no X-Repo-Commit header); check "
                    + "HF_ENDPOINT and any proxy");
        }
        if (etag == null || !ETAG.matcher(etag).matches()) {
            throw new HubException(where + "the Hub gave no usable ETag (" + etag + ")");
        }
        long bytes;
        try {
            bytes = Long.parseLong(Objects.requireNonNull(size));
        } catch (NullPointerException | NumberFormatException e) {
            throw new HubException(where + "the Hub gave no file size (" + size + ")");
        }
        URI location = header(r, "Location").map(at::resolve).orElse(at);
        return new FileMetadata(repoCommit, etag, bytes, location);
    }

    /**
     * Starts a download of {@code url} from byte {@code from} on: redirects are followed (a CDN may send
     * the request on again), {@code Authorization} goes only to the Hub's own host.
     */
    HttpResponse<InputStream> get(URI url, long from, ModelId id, String file) throws IOException {
        URI at = url;
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            HttpRequest.Builder b = request(at, "GET").timeout(TIMEOUT);   // until the headers; not the body
            if (from > 0) {
                b.header("Range", "bytes=" + from + "-");
            }
            HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            Optional<String> location = header(r, "Location");
            if (r.statusCode() / 100 == 3 && location.isPresent()) {
                r.body().close();
                at = at.resolve(location.get());
                continue;
            }
            if (r.statusCode() != 200 && r.statusCode() != 206) {
                r.body().close();
                requireOk(r, id, file);
                throw new HubException(id.repoAtRevision() + ": " + file + ": HTTP " + r.statusCode() + " from " + at);
            }
            return r;
        }
        throw new HubException(id.repoAtRevision() + ": " + file + ": more than " + MAX_REDIRECTS + " redirects from "
                + url);
    }

    /** {@code {endpoint}/{repo}/resolve/{revision}/{file}}, quoted as {@code hf_hub_url} quotes it. */
    URI resolveUrl(ModelId id, String revision, String file) {
        return URI.create(settings.endpoint() + "/" + id.repo() + "/resolve/" + quote(revision, false) + "/"
                + quote(file, true));
    }

    private <T> HttpResponse<T> sendFollowingRelative(URI url, String method, HttpResponse.BodyHandler<T> body)
            throws IOException {
        URI at = url;
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            HttpResponse<T> r = send(request(at, method).timeout(TIMEOUT).header("Accept-Encoding",
                    "identity").build(), body);
            Optional<String> location = header(r, "Location");
            if (r.statusCode() / 100 != 3 || location.isEmpty() || URI.create(location.get()).getHost() != null) {
                return r;
            }
            at = at.resolve(location.get());   // a renamed repository: same host, new path
        }
        throw new HubException(url + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private HttpRequest.Builder request(URI url, String method) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).method(method, HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", USER_AGENT);
        if (settings.token().isPresent() && sameHost(url, settings.endpoint())) {
            b.header("Authorization", "Bearer " + settings.token().get());
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            return http.send(request, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while waiting for " + request.uri(), e);
        } catch (IOException e) {
            throw new TransientException("cannot reach " + request.uri() + ": " + describe(e), e);
        }
    }

    /** Fails with a message that says what the status means for this repository and file. */
    private void requireOk(HttpResponse<?> r, ModelId id, String file) throws HubException {
        int status = r.statusCode();
        if (status / 100 == 2 || status / 100 == 3) {
            return;
        }
        if (status == 429 || status / 100 == 5) {
            throw new TransientException(id.repo() + ": HTTP " + status + " from " + r.request().uri());
        }
        String code = header(r, "X-Error-Code").orElse("");
        String message = header(r, "X-Error-Message").map(m -> " (" + m + ")").orElse("");
        String repo = id.repo();
        String login = settings.token().isPresent()
                ? "the token in use (HF_TOKEN or the token file) has no access to it"
                : "set HF_TOKEN to a token of an account that has access (or log in with `hf auth login`)";
        throw new HubException(switch (code) {
            case "GatedRepo" -> repo + " is a gated repository: accept its terms on the Hub, then " + login + message;
            case "RevisionNotFound" -> repo + " has no revision '" + id.revision() + "'" + message;
            case "EntryNotFound" -> repo + "@" + id.revision() + " has no file '" + file + "'" + message;
            case "RepoNotFound" -> repo + ": no such repository on " + settings.endpoint() + ", or it is private or "
                    + "gated and " + login + message;
            default -> status == 401 || status == 403
                    ? repo + ": access denied (HTTP " + status + "): it is private or gated and " + login + message
                    : status == 404 && file != null ? repo + "@" + id.revision() + ": '" + file + "' not found (HTTP 404)"
                    : repo + ": HTTP " + status + " from " + r.request().uri() + message;
        });
    }

    private static Optional<String> header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name);
    }

    /** {@code W/"abc"} and {@code "abc"} to {@code abc}, as {@code _normalize_etag} does. */
    static String normalizeEtag(String etag) {
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.replace("\"", "");
    }

    /** Host and port equal: where the token may go. */
    static boolean sameHost(URI a, URI b) {
        return Objects.equals(lower(a.getHost()), lower(b.getHost())) && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Python's {@code urllib.parse.quote}: UTF-8, letters, digits and {@code _.-~} kept, {@code /} if asked. */
    static String quote(String s, boolean keepSlash) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 128 && (Character.isLetterOrDigit(c) || "_.-~".indexOf(c) >= 0 || (keepSlash && c == '/'))) {
                sb.append(c);
            } else {
                sb.append(String.format(Locale.ROOT, "%%%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** The first message along the causes ({@code Connection refused}), else the exception's name. */
    static String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e instanceof java.net.ConnectException ? "no connection (check the address and the network)"
                : e.getClass().getSimpleName();
    }
}
