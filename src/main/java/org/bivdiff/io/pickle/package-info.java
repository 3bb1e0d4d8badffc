/**
 * A Python pickle interpreter that never executes anything: opcodes of protocols 0 to 5 build plain
 * values, and every global outside a caller's fixed allow-list stays an inert {@link org.bivdiff.io.pickle.PyGlobal}.
 */
package org.bivdiff.io.pickle;
