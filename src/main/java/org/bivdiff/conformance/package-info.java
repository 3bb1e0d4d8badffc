/**
 * Conformance against golden fixtures produced by the reference implementations: case specs,
 * tolerances, comparisons and one runner per kind of case, shared by the tests and the CLI.
 */
package org.bivdiff.conformance;
