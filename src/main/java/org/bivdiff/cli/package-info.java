/** The {@code bivdiff} command line. */
package org.bivdiff.cli;
