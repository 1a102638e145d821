import { backends } from '../../vitest.shared.js';

// The replica suite starts several server processes on one PostgreSQL: it is of the postgres project only.
export default backends({ postgresOnly: ['test/replicas.test.ts'] });
