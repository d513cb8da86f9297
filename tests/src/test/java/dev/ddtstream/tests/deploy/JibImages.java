package dev.ddtstream.tests.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The images the Maven build makes with Jib (profile {@code images}), read from the poms themselves:
 * the root pom's Jib {@code to.image} pattern, filled with each module's {@code image.name} (every
 * module whose {@code image.skip} is false) under every value a profile gives {@code image.suffix}
 * (the {@code cuda} profile's "-cuda"), and the project version.
 */
final class JibImages {

    private JibImages() {
    }

    /** Every image reference the build produces, e.g. {@code ddt-stream/gpu-workers:0.1.0-SNAPSHOT}. */
    static Set<String> built(Path repository) {
        Element root = read(repository.resolve("pom.xml"));
        String version = child(root, "version").getTextContent().trim();
        String pattern = jibTarget(root);
        List<String> suffixes = new ArrayList<>();
        suffixes.add(properties(root).getOrDefault("image.suffix", ""));
        for (Element profile : descendants(root, "profile")) {
            String suffix = properties(profile).get("image.suffix");
            if (suffix != null) {
                suffixes.add(suffix);
            }
        }
        Set<String> images = new TreeSet<>();
        for (Path module : modules(repository)) {
            Map<String, String> p = properties(read(module.resolve("pom.xml")));
            if (!"false".equals(p.get("image.skip"))) {
                continue;
            }
            for (String suffix : suffixes) {
                String name = p.get("image.name").replace("${image.suffix}", suffix);
                images.add(pattern.replace("${image.name}", name).replace("${project.version}", version));
            }
        }
        return images;
    }

    /** The root pom's {@code <to><image>} of the Jib plugin, with its placeholders. */
    private static String jibTarget(Element root) {
        for (Element plugin : descendants(root, "plugin")) {
            Element artifact = child(plugin, "artifactId");
            if (artifact != null && artifact.getTextContent().trim().equals("jib-maven-plugin")) {
                Element config = child(plugin, "configuration");
                if (config != null && child(config, "to") != null) {
                    return child(child(config, "to"), "image").getTextContent().trim();
                }
            }
        }
        throw new IllegalStateException("the root pom configures no Jib target image");
    }

    /** Every module of the reactor, depth first. */
    private static List<Path> modules(Path dir) {
        List<Path> all = new ArrayList<>();
        Element pom = read(dir.resolve("pom.xml"));
        Element modules = child(pom, "modules");
        if (modules != null) {
            for (Element m : children(modules, "module")) {
                Path module = dir.resolve(m.getTextContent().trim()).normalize();
                all.add(module);
                all.addAll(modules(module));
            }
        }
        return all;
    }

    private static Map<String, String> properties(Element owner) {
        Map<String, String> p = new LinkedHashMap<>();
        Element props = child(owner, "properties");
        if (props != null) {
            for (Node n = props.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    p.put(e.getTagName(), e.getTextContent().trim());
                }
            }
        }
        return p;
    }

    private static Element read(Path pom) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document d = f.newDocumentBuilder().parse(Files.newInputStream(pom));
            return d.getDocumentElement();
        } catch (IOException | SAXException | ParserConfigurationException e) {
            throw new IllegalStateException("cannot read " + pom, e);
        }
    }

    private static Element child(Element parent, String tag) {
        List<Element> c = children(parent, tag);
        return c.isEmpty() ? null : c.get(0);
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> c = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                c.add(e);
            }
        }
        return c;
    }

    private static List<Element> descendants(Element parent, String tag) {
        List<Element> all = new ArrayList<>();
        var list = parent.getElementsByTagName(tag);
        for (int i = 0; i < list.getLength(); i++) {
            all.add((Element) list.item(i));
        }
        return all;
    }
}
