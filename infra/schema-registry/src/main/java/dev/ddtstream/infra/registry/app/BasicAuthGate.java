package dev.ddtstream.infra.registry.app;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Basic auth in front of every route when the registry is started with
 * {@code -Dddt.registry.users-file=FILE} (a properties file of user = password, readable by its owner
 * only); open otherwise, as the tests' throwaway registries are. Apicurio's own authentication needs
 * an OIDC server, and its authentication mechanism takes Quarkus's place, so the check sits first on
 * the Vert.x router instead.
 */
@ApplicationScoped
public class BasicAuthGate {

    private static final Logger LOG = Logger.getLogger(BasicAuthGate.class);

    void install(@Observes Router router) {
        String file = System.getProperty("ddt.registry.users-file");
        if (file == null) {
            return;
        }
        Map<String, byte[]> users = load(Path.of(file));
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            if (authorized(rc.request().getHeader("Authorization"), users)) {
                rc.next();
            } else {
                refuse(rc);
            }
        });
        LOG.infof("basic auth required for %d users (%s)", users.size(), file);
    }

    private static boolean authorized(String header, Map<String, byte[]> users) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        byte[] expected = colon < 0 ? null : users.get(decoded.substring(0, colon));
        return expected != null && MessageDigest.isEqual(expected, decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
    }

    private static void refuse(RoutingContext rc) {
        rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"ddt-registry\"").end();
    }

    private static Map<String, byte[]> load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the registry's users from " + file, e);
        }
        Map<String, byte[]> users = new HashMap<>();
        p.forEach((u, pw) -> users.put((String) u, ((String) pw).getBytes(StandardCharsets.UTF_8)));
        return users;
    }
}
