package dev.ddtstream.evaluator.geneval;

import java.io.Serializable;
import java.util.Map;

/** The verdict on one image under one set of rules, with each check by name. */
public record Verdict(boolean correct, Map<String, Boolean> checks) implements Serializable {
}
