package org.bivdiff.io.hub;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Hugging Face Hub on the loopback interface, answering as the Hub does: the model API, HEAD and GET
 * on {@code /resolve/}, plain-git files served directly with their git blob hash as ETag, LFS files
 * (weights) redirected to a second "CDN" server with {@code X-Linked-Etag} (sha256) and
 * {@code X-Linked-Size}, {@code X-Error-Code} on errors, gated repositories that need the token, renamed
 * repositories answered with a relative redirect, and {@code Range} requests on the CDN. Faults can be
 * injected per file: a transfer cut after some bytes, corrupt bytes, an HTTP error.
 */
public final class HubStandIn implements AutoCloseable {

    /** A repository: its commit and files; weights are LFS files. */
    public record Repo(String id, String commit, Map<String, byte[]> files, boolean gated) {

        boolean lfs(String file) {
            return file.endsWith(".safetensors") || file.endsWith(".bin") || file.endsWith(".pt")
                    || file.endsWith(".pth") || file.endsWith(".mp4");
        }
    }

    /** One request as the servers saw it. */
    public record Request(String server, String method, String path, Headers headers) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> cdnBlobs = new ConcurrentHashMap<>();
    private final Map<String, Long> cutAt = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> cutsLeft = new ConcurrentHashMap<>();
    private final Map<String, Boolean> stall = new ConcurrentHashMap<>();
    private final Map<String, Integer> failStatus = new ConcurrentHashMap<>();
    private final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final String token;

    /** Starts both servers; {@code token} opens gated repositories. */
    public HubStandIn(String token) throws IOException {
        this.token = token;
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        cdn = HttpServer.create(loopback, 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(threads);
        cdn.setExecutor(threads);
        hub.start();
        cdn.start();
    }

    /** The Hub's address, for {@code HF_ENDPOINT}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** Settings that point at this Hub and keep the cache in {@code cache}. */
    public HubSettings settings(Path cache, String userToken) {
        return new HubSettings(endpoint(), cache, Optional.ofNullable(userToken), false);
    }

    /** Publishes {@code files} as repository {@code id}. */
    public Repo publish(String id, Map<String, byte[]> files, boolean gated) {
        MessageDigest d = sha1();
        new TreeMap<>(files).forEach((k, v) -> {
            d.update(k.getBytes(StandardCharsets.UTF_8));
            d.update(v);
        });
        d.update(id.getBytes(StandardCharsets.UTF_8));
        Repo repo = new Repo(id, HexFormat.of().formatHex(d.digest()), Map.copyOf(files), gated);
        repos.put(id, repo);
        files.forEach((name, bytes) -> {
            if (repo.lfs(name)) {
                cdnBlobs.put(sha256(bytes), bytes);
            }
        });
        return repo;
    }

    /** Publishes every file under {@code folder} as repository {@code id}. */
    public Repo publish(String id, Path folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return publish(id, files, false);
    }

    /** Requests for {@code old} are redirected (relatively) to {@code current}, as after a rename. */
    public void rename(String old, String current) {
        renamed.put(old, current);
    }

    /** The next {@code times} CDN transfers of {@code bytes} stop after byte {@code at} and drop the connection. */
    public void cut(byte[] bytes, long at, int times) {
        cutAt.put(sha256(bytes), at);
        cutsLeft.put(sha256(bytes), new AtomicInteger(times));
    }

    /**
     * The next {@code times} CDN transfers of {@code bytes} send up to byte {@code at}, then nothing more
     * (the connection stays open) until the client gives up on them.
     */
    public void stall(byte[] bytes, long at, int times) {
        cut(bytes, at, times);
        stall.put(sha256(bytes), true);
    }

    /**
     * The CDN answers transfers of {@code bytes} with {@code status} until {@link #heal} (after the cuts
     * asked for, if any).
     */
    public void fail(byte[] bytes, int status) {
        failStatus.put(sha256(bytes), status);
    }

    /** The CDN sends other bytes (same length) for {@code bytes}. */
    public void corrupt(byte[] bytes) {
        byte[] bad = bytes.clone();
        bad[bad.length / 2] ^= 0x5a;
        corrupt.put(sha256(bytes), bad);
    }

    /** Clears every injected fault. */
    public void heal() {
        cutAt.clear();
        cutsLeft.clear();
        stall.clear();
        failStatus.clear();
        corrupt.clear();
    }

    /** Every request so far. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The CDN GETs of {@code bytes}' blob so far. */
    public long cdnGets(byte[] bytes) {
        String path = "/blobs/" + sha256(bytes);
        return requests().stream().filter(r -> r.server().equals("cdn") && r.path().equals(path)).count();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        threads.shutdownNow();
    }

    private void hub(HttpExchange ex) throws IOException {
        requests.add(new Request("hub", ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders()));
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            boolean api = path.startsWith("/api/models/");
            String[] parts = (api ? path.substring("/api/models/".length()) : path.substring(1)).split("/", 5);
            if (parts.length < 4) {
                error(ex, 404, "Unknown", null);
                return;
            }
            String repoId = parts[0] + "/" + parts[1];
            if (renamed.containsKey(repoId)) {
                String rest = path.substring((api ? "/api/models/" : "/").length() + repoId.length());
                ex.getResponseHeaders().set("Location", (api ? "/api/models/" : "/") + renamed.get(repoId) + rest);
                ex.sendResponseHeaders(307, -1);
                return;
            }
            Repo repo = repos.get(repoId);
            boolean authorised = ("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"));
            if (repo == null) {
                error(ex, authorised ? 404 : 401, "RepoNotFound", null);
                return;
            }
            String revision = java.net.URLDecoder.decode(parts[3], StandardCharsets.UTF_8);
            if (!revision.equals("main") && !revision.equals(repo.commit())) {
                error(ex, 404, "RevisionNotFound", null);
                return;
            }
            if (api) {
                info(ex, repo);
            } else if (!parts[2].equals("resolve") || parts.length < 5) {
                error(ex, 404, "Unknown", null);
            } else if (repo.gated() && !authorised) {
                error(ex, 401, "GatedRepo", repo.commit());
            } else {
                resolve(ex, repo, java.net.URLDecoder.decode(parts[4], StandardCharsets.UTF_8));
            }
        }
    }

    private void info(HttpExchange ex, Repo repo) throws IOException {
        List<Map<String, String>> siblings = new ArrayList<>();
        new TreeMap<>(repo.files()).keySet().forEach(f -> siblings.add(Map.of("rfilename", f)));
        byte[] body = JSON.writeValueAsBytes(Map.of("id", repo.id(), "sha", repo.commit(), "gated", repo.gated(),
                "siblings", siblings));
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolve(HttpExchange ex, Repo repo, String file) throws IOException {
        byte[] bytes = repo.files().get(file);
        Headers h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", repo.commit());
        if (bytes == null) {
            error(ex, 404, "EntryNotFound", repo.commit());
            return;
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (repo.lfs(file)) {
            String sha = sha256(bytes);
            h.set("ETag", "\"" + gitHash(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha).getBytes(
                    StandardCharsets.UTF_8)) + "\"");
            h.set("X-Linked-Etag", "\"" + sha + "\"");
            h.set("X-Linked-Size", Long.toString(bytes.length));
            h.set("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + sha + "?signature=abc");
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.set("ETag", "\"" + gitHash(bytes) + "\"");
        if (head) {
            h.set("Content-Length", Long.toString(bytes.length));
            ex.sendResponseHeaders(200, -1);
        } else {
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
        }
    }

    private void cdn(HttpExchange ex) throws IOException {
        requests.add(new Request("cdn", ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders()));
        String sha = ex.getRequestURI().getPath().substring("/blobs/".length());
        byte[] bytes = cdnBlobs.get(sha);
        AtomicInteger cuts = cutsLeft.get(sha);
        boolean cutThis = bytes != null && cuts != null && cuts.getAndDecrement() > 0;
        if (bytes == null || (!cutThis && failStatus.containsKey(sha))) {
            ex.sendResponseHeaders(bytes == null ? 404 : failStatus.get(sha), -1);
            ex.close();
            return;
        }
        byte[] served = corrupt.getOrDefault(sha, bytes);
        long from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && range.matches("bytes=\\d+-")) {
            from = Long.parseLong(range.substring(6, range.length() - 1));
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (served.length - 1) + "/"
                    + served.length);
        }
        ex.sendResponseHeaders(from > 0 ? 206 : 200, served.length - from);
        long end = cutThis ? Math.max(from, cutAt.get(sha)) : served.length;
        OutputStream out = ex.getResponseBody();
        out.write(served, (int) from, (int) (end - from));
        out.flush();
        if (end < served.length && stall.containsKey(sha)) {
            holdOpen();
        }
        ex.close();   // short of the announced length, the server drops the connection: the client sees a cut
    }

    /** Sends nothing more until the stand-in closes or ten seconds pass. */
    private static void holdOpen() {
        try {
            Thread.sleep(10_000);
        } catch (InterruptedException e) {
            // the stand-in is closing
        }
    }

    private static void error(HttpExchange ex, int status, String code, String commit) throws IOException {
        ex.getResponseHeaders().set("X-Error-Code", code);
        ex.getResponseHeaders().set("X-Error-Message", code + " (stand-in)");
        if (commit != null) {
            ex.getResponseHeaders().set("X-Repo-Commit", commit);
        }
        ex.sendResponseHeaders(status, -1);
    }

    /** Git's blob hash: sha1 of {@code "blob <size>\0"} and the bytes. */
    public static String gitHash(byte[] bytes) {
        MessageDigest d = sha1();
        d.update(("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(d.digest(bytes));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
