package dev.ddtstream.cli.faults;

/**
 * The faults of the drill, each on one process of a {@code ddt cluster}: killed (SIGKILL, then
 * started again as a supervisor would) or frozen (SIGSTOP past its session timeout, then SIGCONT).
 */
public enum Fault {

    KILL_LLAMA_WORKER("SIGKILL one of two LLaMA workers", "gpu-llama-1", Action.KILL),
    KILL_ORCHESTRATOR("SIGKILL one of two generator instances", "generator-0", Action.KILL),
    KILL_BROKER("SIGKILL one broker of three", "kafka-1", Action.KILL),
    KILL_TASKMANAGER("SIGKILL the Flink TaskManager", "flink-taskmanager", Action.KILL),
    KILL_REGISTRY("SIGKILL the schema registry", "registry", Action.KILL),
    STOP_LLAMA_WORKER("SIGSTOP a LLaMA worker past its session timeout", "gpu-llama-0", Action.STOP);

    /** What is done to the process. */
    public enum Action { KILL, STOP }

    private final String description;
    private final String process;
    private final Action action;

    Fault(String description, String process, Action action) {
        this.description = description;
        this.process = process;
        this.action = action;
    }

    public String description() {
        return description;
    }

    /** The cluster process it strikes. */
    public String process() {
        return process;
    }

    public Action action() {
        return action;
    }
}
