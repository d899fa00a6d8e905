// user: looks users up. Logs go to stdout as JSON lines, for the shipper.
import { hits } from '../lib/faults.js';
import { HttpError } from '../lib/http.js';
import { runService } from '../lib/service.js';

const NAMES = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances'];

await runService({
  name: 'user',
  logs: 'stdout',
  routes: ({ log, faults }) => [
    {
      method: 'GET',
      pattern: '/users/:id',
      async handler({ params }) {
        const id = Number(params.id);
        if (!Number.isInteger(id) || id < 1 || hits(faults.not_found_ratio)) {
          log.log('warn', `user ${params.id ?? ''} not found`, { user_id: params.id });
          throw new HttpError(404, `user ${params.id ?? ''} not found`);
        }
        const name = NAMES[id % NAMES.length] ?? 'ada';
        log.log('info', `user ${id} found`, { user_id: id });
        return { body: { id, name, email: `${name}${id}@shop.example` } };
      },
    },
  ],
});
