import { z } from 'zod';

/**
 * The registry module's config section (`registry:`). Without `mlflow` the webhook endpoint is not
 * served: a receiver with no secret could not tell MLflow's deliveries from anyone's.
 */
export const registryConfigSchema = z
  .object({
    mlflow: z
      .object({
        /** The secret given to MLflow's `create_webhook(secret=…)`; every delivery must carry its HMAC. */
        secret: z
          .string()
          .min(16, 'must be at least 16 characters: it is the only thing that authenticates a delivery')
          .refine((s) => s.trim() === s, 'must not start or end with whitespace (MLflow signs with the secret exactly as given)'),
        /**
         * How far X-MLflow-Timestamp may be from now, in seconds, either way. MLflow's docs reject
         * deliveries older than 5 minutes; the window is symmetric (as Stripe's receivers do) so that
         * a registry clock slightly ahead of ours is not a refusal.
         */
        toleranceSeconds: z.number().int().min(1).max(3600).default(300),
        /** Prepended to MLflow's version numbers to give the predictions' model_version ('v' maps version "3" to "v3"). */
        versionPrefix: z.string().max(32).default(''),
        /** MLflow registered model name → mlobs model name, where they differ; others keep MLflow's name. */
        models: z.record(z.string().min(1), z.string().min(1)).default({}),
      })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});
export type RegistryConfig = z.infer<typeof registryConfigSchema>;
export type MlflowConfig = NonNullable<RegistryConfig['mlflow']>;
