package io.needle.client;

import java.util.concurrent.Executor;

/**
 * What every call of one client shares: the workers, the call policy, where asynchronous calls
 * decode, the stage clock and how long a Describe is trusted. Built once by {@link NeedleClient}.
 */
record CallContext(Workers workers, CallPolicy policy, Executor decodeExecutor, StageClock stageClock,
    long describeTtlNanos) {}
