import { Router } from 'express';
import type { Logger } from '../core/log.js';
import { sendError } from '../http/errors.js';
import { CostDataError } from './report.js';
import type { CostService } from './service.js';

/** GET /v1/cost?by=&from=&to=: the report as JSON; 400 for bad parameters, 422 with the unpriced usage listed. */
export function costRouter(service: CostService, logger: Logger): Router {
  const router = Router();
  router.get('/v1/cost', async (req, res) => {
    try {
      res.json(await service.report(req.query as Record<string, unknown>));
    } catch (e) {
      if (e instanceof CostDataError) {
        res.status(422).json({ error: e.message, reason: e.reason, ...e.details });
        return;
      }
      sendError(res, e, logger);
    }
  });
  return router;
}
