package org.bivdiff.conformance;

/** Runs one kind of golden case: computes its outputs and checks each through {@link CaseContext#check}. */
@FunctionalInterface
public interface CaseRunner {

    void run(CaseContext ctx) throws Exception;
}
