/** The migrated database each test file copies. */
export const TEMPLATE_DATABASE = 'steward_template';
